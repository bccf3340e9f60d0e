"""The ``playbook`` command: analyze an orders export, generate datasets, write the data dictionary, present.

Exit codes, the same for every command (scripts may rely on them):

- 0  success;
- 1  unexpected error (a bug; ``--debug`` adds the traceback for the report);
- 2  bad command-line arguments (argparse's own convention; also an unknown option value);
- 3  the input data is invalid (cannot be read, or breaks a rule; the message names file, column, lines);
- 4  the output folder or file may not be written (it exists, is not the kit's to replace, is a link) or cannot be;
- 130 interrupted (Ctrl-C), 143 terminated (SIGTERM); no partial output is left.

Errors are one line on stderr: ``playbook <command>: error: <message>``, with no traceback unless
``--debug``. Every line the command prints goes through :func:`printable`, so control characters
in file names, column names or ids cannot drive the terminal.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import signal
import sys
import time
import traceback
import warnings
from pathlib import Path

from .errors import DataValidationError, InvalidArgumentError, MissingTableError, OutputFolderError, PlaybookError, message_for_cli

__all__ = ["main", "build_parser", "parse_mapping", "printable", "EXIT_OK", "EXIT_UNEXPECTED", "EXIT_USAGE", "EXIT_DATA",
           "EXIT_OUTPUT", "EXIT_INTERRUPTED", "EXIT_TERMINATED"]

EXIT_OK, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_DATA, EXIT_OUTPUT = 0, 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

_EXIT_CODES = """exit codes:
  0    success
  1    unexpected error (a bug; run again with --debug and report it with the traceback)
  2    bad command-line arguments
  3    input data invalid (cannot be read, or breaks a rule)
  4    output folder exists (without --force), is not the kit's to replace, or cannot be written
  130  interrupted, 143 terminated; no partial output is left
errors are one line on stderr: "playbook analyze: error: <message>"; --debug adds the traceback."""


def printable(text: str) -> str:
    r"""``text`` with control and invisible characters escaped, safe to print to a terminal.

    ESC, CR, NUL, bidi overrides and the like come from file names, column names or ids and
    could move the cursor or rewrite the line; they are shown as Python escapes instead.

    >>> printable("orders\x1b[2J.csv\r\u202e 客户")
    'orders\\x1b[2J.csv\\r\\u202e 客户'
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _print(text: str, *, err: bool = False) -> None:
    print(printable(text), file=sys.stderr if err else sys.stdout, flush=True)


def parse_mapping(text: str) -> dict:
    """Parse ``--map`` text, ``kit=yours,kit=yours``, into a ``columns=`` dict.

    A comma splits pairs only where a kit name and ``=`` follow, so your column names may
    contain commas and spaces.

    >>> parse_mapping("customer_id=客户编号, order_date=下单日期,amount=Betrag (CNY)")
    {'customer_id': '客户编号', 'order_date': '下单日期', 'amount': 'Betrag (CNY)'}
    """
    from .byod import ORDER_COLUMNS, REQUIRED_COLUMNS

    allowed = (f"kit names are {', '.join(ORDER_COLUMNS)} (required: {', '.join(REQUIRED_COLUMNS)}); "
               "e.g. --map customer_id=Kunde,order_date=Datum,amount=Betrag")
    kits = "|".join(map(re.escape, ORDER_COLUMNS))
    mapping: dict[str, str] = {}
    for item in re.split(rf",(?=\s*(?:{kits})\s*=)", text):
        kit, eq, yours = item.partition("=")
        kit, yours = kit.strip(), yours.strip()
        if not eq:
            raise InvalidArgumentError(f"--map takes KIT=YOUR_COLUMN pairs separated by commas; {item.strip()!r} has no '='. The {allowed}.")
        if kit not in ORDER_COLUMNS:
            import difflib

            close = difflib.get_close_matches(kit, ORDER_COLUMNS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise InvalidArgumentError(f"--map: {kit!r} is not a kit column name (left of '=' goes the kit's name, right your column's).{hint} The {allowed}.")
        if not yours:
            raise InvalidArgumentError(f"--map: {kit}= names no column; write {kit}=<your column name>.")
        if kit in mapping:
            raise InvalidArgumentError(f"--map gives {kit!r} twice ({mapping[kit]!r} and {yours!r}); keep one.")
        mapping[kit] = yours
    return mapping


def _cmd_analyze(args) -> int:
    from . import report_process

    # the report's drawing libraries are imported by a second process while this one imports the kit and reads
    with report_process.ahead(args.orders) if args.engine == "pandas" else contextlib.nullcontext():
        return _analyze(args)


def _analyze(args) -> int:
    from .analyze import analyze

    columns = parse_mapping(args.map) if args.map else None
    start = time.perf_counter()

    def progress(message: str) -> None:
        _print(f"playbook analyze: [{time.perf_counter() - start:6.1f}s] {message}", err=True)

    from .byod import check_as_of, check_date_format

    if args.as_of is not None:  # said before any work, not after reading a big file
        check_as_of(args.as_of)
    check_date_format(args.date_format)
    options = {"refunds": args.refunds, "duplicates": args.duplicates, "encoding": args.encoding,
               "date_format": args.date_format, "sheet": args.sheet, "decimal": args.decimal, "dayfirst": args.dayfirst}
    if args.memory_limit is not None:  # said before any work, like --as-of
        if args.engine != "duckdb":
            raise InvalidArgumentError(f"--memory-limit is DuckDB's memory limit: use it with --engine duckdb, not --engine {args.engine}.")
        from .features import check_memory_limit

        options["memory_limit"] = check_memory_limit(args.memory_limit)
    from .i18n import language_from_env

    # --lang, else $PLAYBOOK_LANG (what the command's environment says, not a language set earlier in this process)
    lang = args.lang or language_from_env()
    out = analyze(args.orders, columns=columns, as_of=args.as_of, out=args.out, lang=lang, force=args.force,
                  progress=None if args.quiet else progress, margin_rate=args.margin_rate, engine=args.engine, **options)
    if not args.quiet:
        _print(f"wrote {out}: action_list.csv, action_list.parquet, report.html, summary.json")
    return EXIT_OK


def _cmd_generate(args) -> int:
    from .data import write_dataset
    from .synth import generate, memory_estimate_mib

    overrides = {}
    for item in args.set or []:
        key, _, value = item.partition("=")
        try:
            overrides[key.strip()] = float(value)
        except ValueError:
            raise InvalidArgumentError(f"--set takes NAME=NUMBER, e.g. --set b=2.0. Got {item!r}.") from None
    from .output import check_output_folder

    check_output_folder(args.out, kind="dataset", replace=args.overwrite, option="overwrite")
    progress = not args.quiet and (args.customers or 0) >= 100_000
    if progress:
        mib = memory_estimate_mib(args.scenario, args.customers, args.process)
        _print(f"generating {args.scenario} ({args.process} process) with {args.customers:,} customers, "
               f"about {mib:,.0f} MiB of memory at the peak ...", err=True)
    base = generate(args.scenario, n_customers=args.customers, start=args.start, end=args.end, seed=args.seed,
                    locale=args.locale, process=args.process, **overrides)
    out = write_dataset(base, args.out, overwrite=args.overwrite, progress=progress)
    if not args.quiet:
        _print(f"wrote {out} ({', '.join(f'{t} {len(df):,}' for t, df in base.items())})")
    return EXIT_OK


def _cmd_dictionary(args) -> int:
    from .schema import data_dictionary_markdown

    text = data_dictionary_markdown()
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    from .output import write_file

    # The first lines ("# Data dictionary", "Generated from ... by `playbook dictionary`") mark the file as the kit's.
    marker = "".join(text.splitlines(keepends=True)[:3])
    out = write_file(args.out, text.encode("utf-8"), marker=marker, what="a data dictionary written by playbook dictionary")
    _print(f"wrote {out}")
    return EXIT_OK


def _margin_rate(text: str) -> float:
    """--margin-rate as a number in [0, 1]; argparse turns the error into exit 2 naming the option."""
    try:
        rate = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1, e.g. 0.3 for a 30% margin; got {text!r}") from None
    if not (0.0 <= rate <= 1.0):  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1, e.g. 0.3 for a 30% margin; got {text!r}")
    return rate


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``playbook`` command (sub-commands analyze, generate, dictionary, present)."""
    from .i18n import LANGUAGES  # reads $PLAYBOOK_LANG: main() turns a bad value into a one-line error

    parser = argparse.ArgumentParser(prog="playbook", description="Retention Playbook: customer retention and key-customer management.",
                                     epilog=_EXIT_CODES.replace("playbook analyze", "playbook <command>"),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="print the traceback of an error (for a bug report)")
    debug = argparse.ArgumentParser(add_help=False)  # --debug also after the command; not given there keeps the global one
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="print the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)
    a = sub.add_parser(
        "analyze", parents=[debug], help="orders export -> per-customer action list (CSV, Parquet) and an HTML report",
        description="Read an orders export, score every customer and write action_list.csv, action_list.parquet, "
                    "report.html and summary.json into the folder --out (atomically: all or nothing).",
        epilog="example:\n  playbook analyze orders.csv --map customer_id=客户编号,order_date=下单日期,amount=金额 "
               "--as-of 2025-12-31 --out analysis --lang zh\n\n" + _EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("orders", help="the orders export: CSV (UTF-8 or GBK), Parquet or Excel; only read, never changed")
    a.add_argument("--out", required=True, help="output folder (refused if it exists and is not empty, unless --force)")
    a.add_argument("--map", metavar="KIT=YOURS,...", default=None,
                   help="your column names, e.g. customer_id=Kunde,order_date=Datum,amount=Betrag,margin=Marge; "
                        "kit names not mapped are looked up as they are")
    a.add_argument("--as-of", default=None, metavar="DATE",
                   help="review date YYYY-MM-DD; orders after it are an error (default: the day of the last order)")
    a.add_argument("--lang", choices=LANGUAGES, default=None,
                   help="language of the report and reasons (default: $PLAYBOOK_LANG, else en)")
    a.add_argument("--force", action="store_true", help="replace an earlier output of playbook analyze in --out")
    a.add_argument("--refunds", choices=("error", "keep", "drop"), default="error",
                   help="negative amounts: an error (default), kept as refunds, or dropped")
    a.add_argument("--duplicates", choices=("error", "drop"), default="error",
                   help="repeated order ids: an error (default), or drop exact repeats")
    a.add_argument("--encoding", default=None, help="CSV encoding (default: UTF-8, with or without BOM, then GBK)")
    a.add_argument("--date-format", default=None, metavar="FORMAT",
                   help="strptime format for dates that are not ISO, YYYY/MM/DD or DD.MM.YYYY, e.g. %%m/%%d/%%Y")
    a.add_argument("--sheet", default=None, help="Excel sheet name (default: the first)")
    a.add_argument("--decimal", choices=(".", ","), default=None,
                   help="decimal separator of amounts (default: detected; a column like 1,250 alone is refused)")
    a.add_argument("--dayfirst", action=argparse.BooleanOptionalAction, default=None,
                   help="03/04/2025 is 3 April (--dayfirst) or March 4 (--no-dayfirst); default: detected from days above 12")
    a.add_argument("--margin-rate", type=_margin_rate, default=None, metavar="R",
                   help="share of revenue that is gross margin, 0-1, used for CLV when the orders have no margin column "
                        "(default 0.30, stated in report.html and summary.json); a mapped margin column wins")
    a.add_argument("--engine", choices=("pandas", "duckdb", "spark"), default="pandas",
                   help="pandas (default): read the orders into memory; duckdb: DuckDB reads the CSV or Parquet file(s) "
                        "(ORDERS may be a quoted glob, e.g. 'exports/*.parquet'), checks them and reduces them to one row "
                        "per customer in SQL, for files larger than memory (pip install duckdb); spark: the same on a Spark "
                        "session, e.g. under spark-submit (pip install pyspark, and Java 17)")
    a.add_argument("--memory-limit", metavar="SIZE", default=None,
                   help="with --engine duckdb: the most memory DuckDB may use, e.g. 8GB or 500MB; beyond it DuckDB spills to a "
                        "temporary folder, removed after (default: half of the machine's memory)")
    a.add_argument("--quiet", action="store_true", help="no progress on stderr, nothing on stdout on success")
    a.set_defaults(func=_cmd_analyze)
    g = sub.add_parser("generate", parents=[debug], help="write a synthetic dataset folder (one CSV per table + manifest.json)",
                       epilog=_EXIT_CODES.replace("analyze", "generate").replace("--force", "--overwrite"),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    g.add_argument("out", help="output folder (refused if it exists and is not empty, unless --overwrite)")
    g.add_argument("--scenario", default="retail", help="retail or b2b (default retail)")
    g.add_argument("--customers", type=int, default=None, help="number of customers (default 5000 retail, 400 b2b)")
    g.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives byte-identical files (default 0)")
    g.add_argument("--locale", default="en_US", help="en_US or zh_CN (default en_US)")
    g.add_argument("--process", default="realistic",
                   help="how customers behave: realistic (default; the shipped datasets: a shop like a real panel, with "
                        "no answers leaked into what the firm does; see docs/generator.md), classic (the scripted "
                        "process of earlier releases) or bgnbd "
                        "(exactly the BG/NBD model, for teaching it on its own terms)")
    g.add_argument("--start", default=None, help="first date, YYYY-MM-DD")
    g.add_argument("--end", default=None, help="last date, YYYY-MM-DD")
    g.add_argument("--set", action="append", metavar="NAME=NUMBER", help="change a scenario parameter, e.g. --set referral_share=0.3 (repeatable; the BG/NBD latents r, alpha, a, b, spend_q, spend_gamma only with --process classic or bgnbd)")
    g.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    g.add_argument("--quiet", action="store_true", help="print nothing on success")
    g.set_defaults(func=_cmd_generate)
    d = sub.add_parser("dictionary", parents=[debug], help="write the data dictionary (Markdown) generated from the column specs")
    d.add_argument("--out", default=None, help="file to write (default: print)")
    d.set_defaults(func=_cmd_dictionary)
    from . import present

    pr = sub.add_parser("present", parents=[debug], help="serve a notebook as a Voila app for a projector (code hidden, widgets live)",
                        description=present.__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    present.build_parser(pr)
    pr.set_defaults(func=_cmd_present)
    return parser


def _cmd_present(args) -> int:
    from . import present

    try:
        return present.run(args, getattr(args, "voila_options", []))
    except FileNotFoundError as exc:
        raise InvalidArgumentError(str(exc)) from None


class _Terminated(BaseException):
    """SIGTERM, raised where the process is so that temporary output is removed on the way out."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _passed_through(exc: BaseException, module: str) -> bool:
    """Whether the traceback of ``exc`` went through ``playbook/<module>`` (e.g. ``byod.py``, ``synth/``)."""
    needle = os.sep + "playbook" + os.sep + module
    return any(needle in frame.filename for frame in traceback.extract_tb(exc.__traceback__))


def _reading_errors() -> tuple[type, ...]:
    import pandas as pd

    kinds = [UnicodeError, OverflowError, pd.errors.OutOfBoundsDatetime, pd.errors.ParserError, pd.errors.EmptyDataError,
             csv.Error, MemoryError]
    if "pyarrow" in sys.modules:
        kinds.append(sys.modules["pyarrow"].lib.ArrowException)
    return tuple(kinds)


def _same_file(a, b) -> bool:
    try:
        return a is not None and b is not None and os.path.samefile(a, b)
    except (OSError, TypeError, ValueError):
        return False


def _outcome(exc: BaseException, args) -> tuple[int, str]:
    """The exit code and the one-line message for an exception that ended the command."""
    if isinstance(exc, PlaybookError):
        if isinstance(exc, OutputFolderError):
            return EXIT_OUTPUT, message_for_cli(exc)
        if isinstance(exc, (DataValidationError, MissingTableError)):
            return EXIT_DATA, message_for_cli(exc)
        return EXIT_USAGE, message_for_cli(exc)
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "interrupted; no partial output was written."
    if isinstance(exc, _Terminated):
        return EXIT_TERMINATED, "terminated; no partial output was written."
    orders = getattr(args, "orders", None)
    name = Path(orders).name if orders else "the input"
    detail = f"{type(exc).__name__}: {str(exc).rstrip('.')}"
    if args.command == "analyze" and isinstance(exc, MemoryError):
        return EXIT_DATA, f"{name} is too big for this machine's memory; split the export by period and analyze each part."
    if args.command == "analyze" and (isinstance(exc, _reading_errors()) and _passed_through(exc, "byod")
                                      or isinstance(exc, OSError) and _same_file(exc.filename, orders)):
        return EXIT_DATA, f"{name} cannot be read ({detail}); check that it is the orders export, in CSV, Parquet or Excel."
    if args.command == "generate" and isinstance(exc, (OverflowError, MemoryError, ValueError)) and _passed_through(exc, "synth"):
        return EXIT_USAGE, (f"the dataset asked for cannot be generated ({detail}); choose fewer --customers or dates "
                            "between 1900 and 2200 for --start/--end.")
    if isinstance(exc, OSError):
        where = exc.filename or getattr(args, "out", None) or "the output"
        return EXIT_OUTPUT, (f"cannot write {where}: {exc.strerror or exc}. Check that the folder exists and is writable, "
                             "and that there is disk space.")
    return EXIT_UNEXPECTED, (f"unexpected {detail}. This is a bug in the kit: please report it with the command "
                             "you ran and the traceback that --debug prints.")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (argparse itself exits with 2 on bad arguments)."""
    try:
        parser = build_parser()
    except InvalidArgumentError as exc:  # a bad $PLAYBOOK_LANG, found when i18n is first imported
        _print(f"playbook: error: {message_for_cli(exc)}", err=True)
        return EXIT_USAGE
    argv = sys.argv[1:] if argv is None else list(argv)
    voila_options: list[str] = []
    if argv[:1] == ["present"]:  # options after -- go to Voila untouched
        from .present import split_voila_options

        argv, voila_options = split_voila_options(argv)
    args = parser.parse_args(argv)
    args.voila_options = voila_options
    prefix = f"playbook {args.command}: error:"
    previous = None
    if args.command != "present":  # Voila handles its own signals
        try:
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        except ValueError:  # not the main thread (main() called from a thread): keep the default
            pass
    with warnings.catch_warnings():
        # Warnings are one escaped line each, like errors, and --quiet silences them.
        warnings.showwarning = lambda message, *rest, **kw: _print(f"playbook {args.command}: warning: {message}", err=True)
        if getattr(args, "quiet", False):
            warnings.simplefilter("ignore")
        try:
            return args.func(args)
        except (Exception, KeyboardInterrupt, _Terminated) as exc:
            code, message = _outcome(exc, args)
            if args.debug:
                traceback.print_exc(file=sys.stderr)
            _print(f"{prefix} {message}", err=True)
            return code
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
