"""The report drawn in a second process, started when ``analyze`` starts, so its imports overlap the reading.

Drawing the page needs matplotlib and seaborn (which brings SciPy's statistics), about a second of
imports in a fresh interpreter. On a small export that second is a third of ``playbook analyze``'s
wall time, while the second core sits idle. So :func:`playbook.analyze.analyze` starts
:class:`ReportProcess` before it reads the file: a child interpreter imports the drawing libraries
and applies the kit's chart theme while the parent reads and scores, then receives the
:class:`~playbook.report.ReportInputs` (pickled, over a pipe) and returns the page.

The page is the one :func:`playbook.report.page_html` draws in the parent, byte for byte
(``tests/test_report_process.py``). Anything that goes wrong in the child (it cannot start, it
fails, it is killed, it takes longer than ``timeout``) makes :meth:`ReportProcess.page` return
None and the parent draws the page itself, so the second process can only save time.

It is used only where it can help: the pandas engine on a file of at most :data:`MAX_BYTES`
(above that the reading and scoring take far longer than the imports), on a machine with more
than one core, when seaborn is not already imported (in a notebook it usually is), and unless
``PLAYBOOK_REPORT_PROCESS=0``. ``playbook analyze`` starts it first of all (:func:`ahead`), so the
child's imports overlap the kit's own too.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from pathlib import Path

__all__ = ["ReportProcess", "MAX_BYTES", "wanted", "start", "ahead"]

#: Largest input file (bytes) for which the report is drawn in a second process: about a million orders as CSV.
MAX_BYTES = 32 * 2**20

_ROOT = str(Path(__file__).resolve().parent.parent)
_CHILD = f"import sys; sys.path.insert(0, {_ROOT!r}); from playbook.report_process import serve; serve()"


def wanted(size: int | None, *, environ=None) -> bool:
    """Whether a second process should draw the report of an input of ``size`` bytes (None: not a file)."""
    environ = os.environ if environ is None else environ
    return (size is not None and size <= MAX_BYTES and environ.get("PLAYBOOK_REPORT_PROCESS", "1") != "0"
            and (os.cpu_count() or 1) > 1 and "seaborn" not in sys.modules)


def start(size: int | None) -> ReportProcess | None:
    """The process to draw the report of an input of ``size`` bytes: the one :func:`ahead` started for it, else a
    new one if :func:`wanted`, else None (the caller draws the page itself)."""
    global _ahead
    if _ahead is not None:
        drawer, _ahead = _ahead, None
        return drawer
    return ReportProcess() if wanted(size) else None


_ahead: ReportProcess | None = None


@contextlib.contextmanager
def ahead(path):
    """Start the report's process for the file ``path`` now, before the analysis is even imported, for the next
    :func:`start` to take (``playbook analyze`` does this first); stopped on leaving if nothing took it."""
    global _ahead
    try:
        size = Path(path).stat().st_size if Path(path).is_file() else None
    except (OSError, ValueError):
        size = None
    _ahead = ReportProcess() if wanted(size) else None
    try:
        yield
    finally:
        drawer, _ahead = _ahead, None
        if drawer is not None:
            drawer.close()


class ReportProcess:
    """A child interpreter that imports the report's drawing libraries now and draws the page when asked.

    Use as a context manager (the child is stopped on leaving, drawn or not), and call :meth:`page`
    at most once.
    """

    def __init__(self) -> None:
        try:
            self._child: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError:
            self._child = None

    def __enter__(self) -> ReportProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def page(self, inputs, source: str | None, *, timeout: float = 600.0) -> str | None:
        """The report page drawn by the child from ``inputs`` (:class:`~playbook.report.ReportInputs`), or None
        when the child could not draw it (then the caller draws it itself)."""
        child, self._child = self._child, None
        if child is None:
            return None
        try:
            out, err = child.communicate(pickle.dumps((inputs, source), protocol=pickle.HIGHEST_PROTOCOL), timeout=timeout)
        except (OSError, subprocess.TimeoutExpired, pickle.PicklingError):
            _stop(child)
            return None
        if child.returncode != 0 or not out:
            return None
        if err:  # warnings the drawing gave, shown as they would be had it run here
            sys.stderr.write(err.decode("utf-8", errors="replace"))
        try:
            return out.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def close(self) -> None:
        """Stop the child if it has not drawn a page."""
        child, self._child = self._child, None
        if child is not None:
            _stop(child)


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.kill()
    child.communicate()


def serve() -> None:
    """The child's side: import and theme now, then read ``(inputs, source)`` from stdin and write the page to stdout.

    seaborn imports SciPy's statistics (0.4 s, a third of the child's imports) only for its kernel density
    estimate, which none of the report's charts draws; when SciPy's is missing seaborn uses its own copy. This
    process only draws the report, so it tells Python that module is missing. The page is the one drawn with
    SciPy loaded, byte for byte (``tests/test_report_process.py``); should a chart ever need SciPy here, the
    child fails and the parent draws the page itself.
    """
    sys.modules.setdefault("scipy.stats", None)  # type: ignore[arg-type]
    from .report import page_html, prepare_drawing

    prepare_drawing()
    try:
        inputs, source = pickle.load(sys.stdin.buffer)
    except EOFError:  # the parent stopped before asking for a page
        return
    page = page_html(inputs, source=source)
    sys.stdout.buffer.write(page.encode("utf-8"))
    sys.stdout.flush()
