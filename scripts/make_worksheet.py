"""Make a printable worksheet (PDF): N generated exercises with an answer key on separate pages.

Each problem is the Exercise page's exercise of that level and number (the first one given by
--seed, then the next ones), with its classroom link under --base-url as a QR code and as text.
Run from the repository root with the project's Python:

    .venv/bin/python scripts/make_worksheet.py --level ties --seed 10 --count 8 \
        --policy split --lang pl --base-url https://school.example/pool --out ties_pl.pdf

--count is 1 to 30. Prints the file written; exits 1 when the worksheet is refused (too many
problems, no font for the language: install fonts-noto-cjk and fonts-dejavu-core).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pooling_core import EXERCISE_LEVELS, TIE_POLICIES  # noqa: E402
from ui.exports.worksheet import MAX_SEED, WorksheetRefusedError, worksheet_pdf  # noqa: E402
from ui.i18n import LANGUAGES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--level", choices=EXERCISE_LEVELS, default=EXERCISE_LEVELS[0])
    parser.add_argument("--seed", type=int, default=1, help=f"first exercise number, 0..{MAX_SEED}")
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--policy", choices=TIE_POLICIES, default=None,
                        help="tie policy (default: each exercise's own)")
    parser.add_argument("--lang", choices=list(LANGUAGES), default="en")
    parser.add_argument("--base-url", default="http://localhost:8501")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not 0 <= args.seed <= MAX_SEED:
        parser.error(f"--seed must be 0..{MAX_SEED}")
    try:
        data = worksheet_pdf(args.level, args.seed, args.count, args.policy, args.lang,
                             args.base_url)
    except WorksheetRefusedError as e:
        print(e.message, file=sys.stderr)
        return 1
    args.out.write_bytes(data)
    print(f"{args.out} ({len(data) // 1024} kB, {args.count} problems)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
