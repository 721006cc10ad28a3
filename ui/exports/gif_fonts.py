"""Fonts on this machine for pictures and PDFs (the GIF and the worksheet): a file that draws a
language's script, or None (the caller then says so in a translated message rather than draw
empty boxes).

Debian's packages: fonts-dejavu-core (Latin, Greek, maths signs: ∂ · × −) and fonts-noto-cjk
(Chinese; its collection holds Simplified and Traditional faces). scripts/setup installs both.
Read-only tables; nothing is cached per session.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# (file name, index in a collection per language: Noto Sans CJK's faces are JP, KR, SC, TC, HK)
LATIN_FILES = ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf")
LATIN_BOLD_FILES = ("DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf", "LiberationSans-Bold.ttf")
CJK_FILES = {
    "NotoSansCJK-Regular.ttc": {"zh-CN": 2, "zh-TW": 3},
    "NotoSansCJKsc-Regular.otf": {"zh-CN": 0, "zh-TW": 0},
    "wqy-zenhei.ttc": {"zh-CN": 0, "zh-TW": 0},
    "wqy-microhei.ttc": {"zh-CN": 0, "zh-TW": 0},
}
CJK_LANGUAGES = ("zh-CN", "zh-TW")


@dataclass(frozen=True)
class FontFile:
    """A font file and the face's index in it (0 for a single font)."""

    path: Path
    index: int = 0


def _find(name: str) -> Path | None:
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob(name):
                return path
    return None


def latin_font(bold: bool = False) -> FontFile | None:
    """A font for Latin text and the maths signs (DejaVu Sans first), or None."""
    for name in LATIN_BOLD_FILES if bold else LATIN_FILES:
        path = _find(name)
        if path is not None:
            return FontFile(path)
    return None


def cjk_font(lang: str) -> FontFile | None:
    """A font with the Chinese characters of `lang` ("zh-CN" / "zh-TW"), or None."""
    for name, faces in CJK_FILES.items():
        path = _find(name)
        if path is not None:
            return FontFile(path, faces.get(lang, 0))
    return None


def font_for(lang: str, bold: bool = False) -> FontFile | None:
    """The font a language's text is drawn in: a CJK font for Chinese (it also has Latin
    letters and digits), a Latin one otherwise (a CJK font if no Latin one is found)."""
    if lang in CJK_LANGUAGES:
        return cjk_font(lang)
    return latin_font(bold) or cjk_font("zh-CN")
