"""Write the HTML edition: every notebook executed and saved as one self-contained HTML page.

Usage: python scripts/make_html.py SOURCE_DIR OUTPUT_DIR [--timeout SECONDS] [--kernel NAME]

Each notebook in SOURCE_DIR is run top to bottom in a fresh kernel whose working folder is
SOURCE_DIR (headless: matplotlib's inline backend, which renders with Agg; and
PYTHONHASHSEED=0), then exported with nbconvert's
HTMLExporter; charts are embedded as data URIs, so a page can be mailed or printed alone.
Every figure gets alt text ("Figure N: ..." from the chart title or the section heading).
Widgets cannot run without a kernel: each one is replaced by a short note. OUTPUT_DIR also
gets an index.html listing the notebooks in course order (file-name order, NN_topic).

The output folder must not be the source folder (or inside it); files are written
atomically. Exit code 0 when every notebook was written, 1 when one failed to run
(the others are still written), 2 for bad arguments.
"""
from __future__ import annotations

import argparse
import html
import os
import re
import sys
import tempfile
import time
from pathlib import Path

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = (
    '<p class="widget-note"><em>Interactive widget: it needs a running kernel. '
    "Open this notebook in Jupyter to use it.</em></p>"
)

# Run silently before the notebook: the inline backend then records each figure's titles
# in the output's metadata, where the alt text can find them. Never fails the notebook.
TITLE_HOOK = """\
def _playbook_record_titles():
    try:
        import matplotlib_inline.backend_inline as _bi
    except Exception:
        return
    _orig = _bi._fetch_figure_metadata
    def _fetch(fig):
        md = _orig(fig) or {}
        try:
            titles = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) else []
            for ax in fig.axes:
                titles += [ax.get_title(loc=loc) for loc in ("center", "left")]
            titles = [" ".join(t.split()) for t in titles if t and t.strip()]
            if titles:
                md = dict(md, playbook_titles=titles[:2])
        except Exception:
            pass
        return md or None
    _bi._fetch_figure_metadata = _fetch
_playbook_record_titles()
del _playbook_record_titles
"""

_HEADING_MD = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
# Titles as matplotlib prints them: "<Axes: title={'center': 'X'}, ...>" or "Text(0.5, 1.0, 'X')".
_TITLE_AXES = re.compile(r"title=\{'center': '((?:[^'\\]|\\.)+)'")
_TITLE_TEXT = re.compile(r"^Text\([^,]+, [^,]+, '((?:[^'\\]|\\.)+)'\)$")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE | re.DOTALL)
_HAS_ALT = re.compile(r"\balt\s*=", re.IGNORECASE)
# nbconvert >= 7.14 writes this placeholder on every output image; it tells a reader nothing.
PLACEHOLDER_ALT = re.compile(r"""\s+alt\s*=\s*(["'])(?:No description has been provided for this image)?\1""", re.IGNORECASE)
_DATA_SRC = re.compile(r"""src\s*=\s*["']data:image/[a-z+]+;base64,([^"']+)["']""", re.IGNORECASE)
_HEADING_HTML = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


# --------------------------------------------------------------------------- text helpers
def _plain(markdown_text: str) -> str:
    """A heading as plain text: no markdown emphasis, code ticks or links."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)
    text = re.sub(r"[`*_]", "", text)
    return " ".join(text.split())


def notebook_title(nb, fallback: str) -> str:
    """The text of the first level-one (`# `) heading of the notebook."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return _plain(line[2:]) or fallback
    return fallback


def _chart_title(cell) -> str | None:
    """The title of a chart drawn by a code cell, when its outputs print one."""
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/plain", "") if "data" in out else ""
        if isinstance(text, list):
            text = "".join(text)
        for pattern in (_TITLE_AXES, _TITLE_TEXT):
            m = pattern.search(text.strip())
            if m:
                return _plain(m.group(1).replace("\\'", "'"))
    return None


def _payload_key(b64: str) -> str:
    return "".join(b64.split())


def figure_descriptions(nb) -> dict[str, str]:
    """Map each embedded image (by its base64 payload) to a description without a number."""
    found: dict[str, str] = {}
    heading = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heads = _HEADING_MD.findall(cell.source)
            if heads:
                heading = _plain(heads[-1])
            continue
        if cell.cell_type != "code":
            continue
        cell_title = _chart_title(cell)
        for out in cell.get("outputs", []):
            for mime in ("image/png", "image/jpeg"):
                data = out.get("data", {}).get(mime) if "data" in out else None
                if not data:
                    continue
                meta = out.get("metadata", {})
                recorded = meta.get("playbook_titles") or meta.get(mime, {}).get("playbook_titles")
                title = " · ".join(recorded) if recorded else cell_title
                if title:
                    text = f"chart “{title}”" + (f", in section “{heading}”" if heading else "")
                elif heading:
                    text = f"chart in section “{heading}”"
                else:
                    text = "chart"
                found.setdefault(_payload_key(data if isinstance(data, str) else "".join(data)), text)
    return found


def add_alt_text(page: str, descriptions: dict[str, str] | None = None) -> str:
    """Give every ``<img>`` without a useful ``alt`` an ``alt="Figure N: ..."``.

    An empty alt or nbconvert's placeholder ("No description has been provided for this
    image") counts as missing. The description comes from ``descriptions`` (keyed by the image's base64 payload) or,
    failing that, from the nearest heading before the image in the page.
    """
    descriptions = descriptions or {}
    headings = [(m.start(), _plain(html.unescape(_TAG.sub("", m.group(2)))).rstrip("¶").strip())
                for m in _HEADING_HTML.finditer(page)]
    parts: list[str] = []
    last = 0
    n = 0
    for m in _IMG_TAG.finditer(page):
        tag = PLACEHOLDER_ALT.sub("", m.group(0), count=1)
        parts.append(page[last:m.start()])
        last = m.end()
        if _HAS_ALT.search(tag):
            parts.append(tag)
            continue
        n += 1
        src = _DATA_SRC.search(tag)
        text = descriptions.get(_payload_key(src.group(1))) if src else None
        if not text:
            before = [h for pos, h in headings if pos < m.start() and h]
            text = f"chart in section “{before[-1]}”" if before else "chart"
        alt = html.escape(f"Figure {n}: {text}", quote=True)
        parts.append(re.sub(r"^<img\b", f'<img alt="{alt}"', tag, count=1, flags=re.IGNORECASE))
    parts.append(page[last:])
    return "".join(parts)


# --------------------------------------------------------------------------- notebooks
def _replace_widgets(nb) -> int:
    """Swap widget views (dead without a kernel) for a note; return how many."""
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if "data" in out and WIDGET_MIME in out["data"]:
                out["data"] = {"text/html": WIDGET_NOTE}
                count += 1
    nb.metadata.pop("widgets", None)
    return count


def execute(nb, cwd: Path, *, timeout: int, kernel_name: str):
    """Run ``nb`` in place in a fresh kernel working in ``cwd``."""
    import nbformat
    from nbclient import NotebookClient

    hook = nbformat.v4.new_code_cell(TITLE_HOOK)
    nb.cells.insert(0, hook)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(cwd)}},
        store_widget_state=True,  # nbclient needs it to route Output-widget messages; dropped before export
    )
    try:
        client.execute(cwd=str(cwd))
    finally:
        nb.cells.remove(hook)
    for cell in nb.cells:  # number the cells as if the hook had not run
        if cell.cell_type == "code" and cell.get("execution_count"):
            cell.execution_count -= 1
    return nb


def render(nb) -> str:
    """Export an executed notebook to one self-contained HTML page with alt texts."""
    from nbconvert import HTMLExporter

    descriptions = figure_descriptions(nb)
    _replace_widgets(nb)
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    page, _ = exporter.from_notebook_node(nb)
    return add_alt_text(page, descriptions)


def index_page(entries: list[tuple[str, str]]) -> str:
    """The index: one link per notebook, in the order given."""
    items = "\n".join(
        f'    <li><a href="{html.escape(href, quote=True)}">{html.escape(title)}</a>'
        f' <span class="file">{html.escape(href)}</span></li>'
        for href, title in entries
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Retention Playbook · HTML edition</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans SC", sans-serif;
         max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1a1a1a; }}
  .note {{ background: #fff6e0; border-left: 4px solid #e69f00; padding: .6rem 1rem; }}
  li {{ margin: .35rem 0; }}
  .file {{ color: #666; font-size: .85em; margin-left: .4rem; }}
</style>
</head>
<body>
<h1>Retention Playbook · 客户保持与核心客户管理</h1>
<p class="note"><strong>Static edition.</strong> Every notebook was run once and saved with its
tables and charts. Widgets (sliders, dropdowns) are not interactive here: each is replaced
by a short note. To move them, open the notebook in Jupyter (<code>make lab</code>).</p>
<h2>The course, in order</h2>
<ol>
{items}
</ol>
</body>
</html>
"""


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _refuse(src: Path, dst: Path) -> str | None:
    if dst == src or src in dst.parents:
        return f"make_html: refusing to write into the source folder {src}; choose another OUTPUT_DIR"
    return None


def build(src: Path, dst: Path, *, timeout: int = 600, kernel_name: str = "python3", log=print) -> tuple[list, list]:
    """Execute and export every notebook of ``src`` into ``dst``; return (written, failed)."""
    import nbformat

    src, dst = Path(src).resolve(), Path(dst).resolve()
    problem = _refuse(src, dst)
    if problem:
        raise ValueError(problem)
    # Inherited by the kernel. Plain "Agg" would draw nothing into the outputs (an IPython
    # kernel only captures figures through its inline backend, which renders with Agg and
    # needs no display), so the kernel gets the inline backend; this process stays on Agg.
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    os.environ["PYTHONHASHSEED"] = "0"
    # nbclient answers Output widgets on the shell socket it is waiting on for the cell's reply,
    # and can miss that reply until the cell's timeout (600 s) ends the wait: the same race
    # presentation mode repairs (see playbook.present), and the same repair.
    from playbook.present import steady_shell_polls

    steady_shell_polls()
    dst.mkdir(parents=True, exist_ok=True)
    written: list[tuple[str, str]] = []
    failed: list[tuple[str, str]] = []
    for path in sorted(src.glob("*.ipynb")):
        start = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        title = notebook_title(nb, path.stem)
        try:
            execute(nb, src, timeout=timeout, kernel_name=kernel_name)
        except Exception as err:  # a failing cell: report it, keep going with the others
            first = str(err).strip().splitlines()
            failed.append((path.name, first[-1] if first else type(err).__name__))
            log(f"FAILED {path.name}: {failed[-1][1]}")
            continue
        out = dst / f"{path.stem}.html"
        _write_atomic(out, render(nb))
        written.append((out.name, title))
        log(f"wrote {out} ({time.perf_counter() - start:.0f} s)")
    if written:
        _write_atomic(dst / "index.html", index_page(written))
        log(f"wrote {dst / 'index.html'}")
    return written, failed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make_html.py", description=__doc__.strip().splitlines()[0])
    parser.add_argument("source", type=Path, help="folder of .ipynb notebooks")
    parser.add_argument("output", type=Path, help="folder for the HTML pages (not the source folder)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    parser.add_argument("--kernel", default="python3", help="Jupyter kernel name (default python3)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return 2 if exit_.code else 0
    src, dst = args.source.resolve(), args.output.resolve()
    if not src.is_dir():
        print(f"make_html: no such folder {src}", file=sys.stderr)
        return 2
    problem = _refuse(src, dst)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if not any(src.glob("*.ipynb")):
        print(f"make_html: no notebooks in {src}", file=sys.stderr)
        return 2
    _, failed = build(src, dst, timeout=args.timeout, kernel_name=args.kernel)
    if failed:
        print(f"make_html: {len(failed)} notebook(s) failed: " + ", ".join(n for n, _ in failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
