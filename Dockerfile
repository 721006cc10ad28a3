# Pooling Backprop Explorer: one app server (one replica). See docs/serving.md for a school.
#   docker build -t pooling-explorer .
#   docker run --rm -p 8501:8501 pooling-explorer
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Fonts for the animation (GIF) and the worksheet (PDF): Latin and maths signs, and Chinese.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so editing the app does not reinstall them.
COPY requirements.txt .
RUN pip install --require-hashes -r requirements.txt

COPY . .

# Run as an unprivileged user that owns nothing under /app: it can read the app, not change it
# (Streamlit writes nothing there; its own settings would go to the user's home).
RUN useradd --create-home --uid 10001 explorer
USER explorer

EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; r = urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4); sys.exit(0 if r.status == 200 and r.read().strip() == b'ok' else 1)"]

CMD ["streamlit", "run", "app.py", \
     "--server.address", "0.0.0.0", \
     "--server.port", "8501", \
     "--server.headless", "true", \
     "--server.fileWatcherType", "none", \
     "--browser.gatherUsageStats", "false"]
