"""The ``playbook`` command: generate datasets and write the data dictionary.

Exit codes: 0 success, 2 bad arguments or data (message on stderr), 1 unexpected error.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from .errors import PlaybookError

__all__ = ["main"]


def _cmd_generate(args) -> int:
    from .data import write_dataset
    from .synth import generate

    overrides = {}
    for item in args.set or []:
        key, _, value = item.partition("=")
        try:
            overrides[key.strip()] = float(value)
        except ValueError:
            raise PlaybookError(f"--set takes NAME=NUMBER, e.g. --set b=2.0. Got {item!r}.") from None
    progress = not args.quiet and (args.customers or 0) >= 100_000
    if progress:
        print(f"generating {args.scenario} with {args.customers:,} customers ...", file=sys.stderr)
    base = generate(args.scenario, n_customers=args.customers, start=args.start, end=args.end, seed=args.seed,
                    locale=args.locale, **overrides)
    out = write_dataset(base, args.out, overwrite=args.overwrite, progress=progress)
    if not args.quiet:
        print(f"wrote {out} ({', '.join(f'{t} {len(df):,}' for t, df in base.items())})")
    return 0


def _cmd_dictionary(args) -> int:
    from .schema import data_dictionary_markdown

    text = data_dictionary_markdown()
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent or ".")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, out)
    print(f"wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="playbook", description="Retention Playbook: customer retention and key-customer management.")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write a synthetic dataset folder (one CSV per table + manifest.json)")
    g.add_argument("out", help="output folder (refused if it exists and is not empty, unless --overwrite)")
    g.add_argument("--scenario", default="retail", help="retail or b2b (default retail)")
    g.add_argument("--customers", type=int, default=None, help="number of customers (default 5000 retail, 400 b2b)")
    g.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives byte-identical files (default 0)")
    g.add_argument("--locale", default="en_US", help="en_US or zh_CN (default en_US)")
    g.add_argument("--start", default=None, help="first date, YYYY-MM-DD")
    g.add_argument("--end", default=None, help="last date, YYYY-MM-DD")
    g.add_argument("--set", action="append", metavar="NAME=NUMBER", help="change a scenario parameter, e.g. --set b=2.0 (repeatable)")
    g.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    g.add_argument("--quiet", action="store_true", help="print nothing on success")
    g.set_defaults(func=_cmd_generate)
    d = sub.add_parser("dictionary", help="write the data dictionary (Markdown) generated from the column specs")
    d.add_argument("--out", default=None, help="file to write (default: print)")
    d.set_defaults(func=_cmd_dictionary)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except PlaybookError as exc:
        print(f"playbook {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
