"""Make a folder of standalone pages (one self-contained HTML file per example and language).

Each page plays one example's backward pass with no server (ui/exports/standalone.py): open it
offline, put it in a learning platform or on any static web host.

Examples come from Explorer classroom links (the app's "Share this exact view" link, one per
line in a text file, or on the command line) or from a JSON file holding a list of objects:

    [{"name": "overlap", "x": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
      "spec": {"kernel_size": 2, "stride": 1, "mode": "max", "ties": "first"},
      "gy": "ones", "langs": ["en", "pl"], "link": "https://my-app.example/?..."},
     {"name": "from_a_link", "link": "https://my-app.example/?x=...&k=3&lang=es"}]

"spec" takes pooling_core.PoolSpec's keyword values; "gy" is a grid of the output's shape or
"ones" (the default); "link" (optional) is the app's address of the same view, shown on the
page. Run from the repository root with the project's Python:

    .venv/bin/python scripts/make_pages.py --out pages/ --links links.txt
    .venv/bin/python scripts/make_pages.py --out pages/ --json examples.json --lang en --lang es
    .venv/bin/python scripts/make_pages.py --out pages/ "https://my-app.example/?k=2&s=2&lang=pl"

--lang (repeatable) makes every example in those languages (default: each link's or entry's
own language). Prints one line per file; exits 1 if an example was refused or invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ui.exports.pages import example_from_config, example_from_link, write_pages  # noqa: E402
from ui.i18n import LANGUAGES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("links", nargs="*", help="Explorer classroom links")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the pages to")
    parser.add_argument("--links", dest="links_file", type=Path,
                        help="text file with one classroom link per line (# starts a comment)")
    parser.add_argument("--json", dest="json_file", type=Path,
                        help="JSON file with a list of example objects (see the docstring)")
    parser.add_argument("--lang", action="append", choices=list(LANGUAGES),
                        help="page language (repeatable); default: each example's own")
    args = parser.parse_args(argv)
    langs = tuple(args.lang) if args.lang else None
    links = list(args.links)
    if args.links_file:
        for line in args.links_file.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                links.append(line)
    examples = [example_from_link(u, langs) for u in links]
    if args.json_file:
        entries = json.loads(args.json_file.read_text(encoding="utf-8"))
        if not isinstance(entries, list):
            parser.error("the JSON file must hold a list of example objects")
        examples += [example_from_config(e, langs) for e in entries]
    if not examples:
        parser.error("no examples: give classroom links, --links or --json")
    failed = False
    for ex in examples:
        for note in ex.notes:
            print(f"note: {ex.link}: ignored {note}", file=sys.stderr)
    for path, result in write_pages(examples, args.out):
        if isinstance(result, int):
            print(f"{path}  {result} bytes")
        else:
            failed = True
            print(f"{path}  refused: {result}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
