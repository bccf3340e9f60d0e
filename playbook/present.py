"""Presentation mode: serve a notebook as a clean Voilà app for a projector.

``playbook present 03`` (or ``make present NB=03``) serves ``notebooks/03_*.ipynb`` with
Voilà: code hidden, widgets live, charts in talk sizes (``PLAYBOOK_PRESENT=1``), and in
Chinese with ``--lang zh``. It runs Voilà in this process with three repairs a trainer
would otherwise meet in class:

* **No stalled page.** Voilà's executor (nbclient) sends the captured outputs of an
  ``Output`` widget back to the kernel on the shell socket while another coroutine waits
  on that same socket for the cell's reply. The send can swallow the socket's wake-up, so
  the reply goes unread and the page stays at "Executing N of M" for good (5 of 26 plain
  page requests here, two servers at once, always on a cell where an explorer draws into
  its Output; 0 of 80 with this repair). :func:`steady_shell_polls` makes every wait on a kernel channel look again at
  least every :data:`POLL_SLICE_S` seconds, so a missed wake-up costs a fraction of a
  second instead of the lesson. The HTML edition (``scripts/make_html.py``) runs its
  notebooks through nbclient too, and applies the same repair.
* **Kernels end with their page.** Voilà's page shuts its kernel down on leaving with a
  request that carries the ``_xsrf`` cookie, but Voilà never sets that cookie, so the
  request was refused (403) and every page view kept a kernel until Voilà stopped.
  :func:`prelaunch_hook` sets the cookie when the page is served; XSRF protection stays on.
* **A safety net**: a kernel with no page connected is culled after
  :data:`CULL_IDLE_S` seconds (a browser that crashed cannot say goodbye).

The real-browser tests start their Voilà server through :func:`main`, so what is tested is
what a trainer runs.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from queue import Empty

from .i18n import LANGUAGES

__all__ = ["main", "run", "build_parser", "split_voila_options", "find_notebook", "voila_argv", "prelaunch_hook", "steady_shell_polls",
           "POLL_SLICE_S", "CULL_IDLE_S", "DEFAULT_PORT"]

#: Longest a wait on a kernel channel goes without looking at the socket again.
POLL_SLICE_S = 0.5
#: A kernel with no page connected for this long is shut down.
CULL_IDLE_S = 1800
DEFAULT_PORT = 8866

_PATCHED = "_playbook_steady_polls"


def steady_shell_polls() -> bool:
    """Make ``jupyter_client``'s asyncio channels poll in slices of :data:`POLL_SLICE_S` seconds.

    Same contract as the original ``get_msg``: returns the next message, or raises
    ``queue.Empty`` once ``timeout`` seconds (None: never) have passed without one. Each
    slice is a fresh poll, which checks the socket's pending events first, so a message
    whose wake-up was consumed by a send on the same socket is still found. Idempotent;
    returns True when it patched, False when it was already in place.
    """
    from jupyter_client.channels import AsyncZMQSocketChannel

    if getattr(AsyncZMQSocketChannel.get_msg, _PATCHED, False):
        return False

    async def get_msg(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE_S if deadline is None else max(0.0, deadline - time.monotonic())
            if await self.socket.poll(int(min(POLL_SLICE_S, left) * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty

    get_msg.__doc__ = AsyncZMQSocketChannel.get_msg.__doc__
    setattr(get_msg, _PATCHED, True)
    setattr(AsyncZMQSocketChannel, "get_msg", get_msg)  # noqa: B010 -- a monkeypatch: mypy forbids assigning to a method
    return True


def prelaunch_hook(req, notebook, cwd):  # signature fixed by VoilaConfiguration.prelaunch_hook
    """Voilà calls this before it runs a page's notebook: set the ``_xsrf`` cookie.

    Reading ``xsrf_token`` makes tornado send the cookie with the page; Voilà's page sends it
    back when it closes and asks for its kernel to be shut down. Returns None (the notebook
    is served unchanged).
    """
    _ = req.xsrf_token


def find_notebook(target: str, folder: str | os.PathLike = "notebooks") -> Path:
    """The notebook or folder to serve: ``03`` means ``<folder>/03_*.ipynb``; a path is used as it is.

    Raises FileNotFoundError naming what was looked for and the notebooks there are.
    """
    folder = Path(folder)
    if re.fullmatch(r"\d{1,2}", target):
        found = sorted(folder.glob(f"{int(target):02d}_*.ipynb"))
        if found:
            return found[0]
        there = ", ".join(p.stem for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))) or "none"
        raise FileNotFoundError(f"no notebook {int(target):02d}_*.ipynb in {folder.resolve()} (notebooks there: {there})")
    path = Path(target)
    if not path.exists():
        raise FileNotFoundError(f"{path.resolve()} does not exist: give a notebook number (03), a notebook or a folder")
    if path.is_file() and path.suffix != ".ipynb":
        raise FileNotFoundError(f"{path.resolve()} is not a notebook (.ipynb)")
    return path


def voila_argv(path: str | os.PathLike, *, port: int = DEFAULT_PORT, ip: str = "127.0.0.1", open_browser: bool = True,
               extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Voilà's command-line arguments for presentation mode (``extra`` goes last, so it can override)."""
    argv = [str(path), f"--port={port}", f"--Voila.ip={ip}",
            f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}", "--MappingKernelManager.cull_interval=60"]
    if not open_browser:
        argv.append("--no-browser")
    return argv + list(extra)


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """Arguments of ``playbook present`` (added to ``parser`` when given)."""
    p = parser or argparse.ArgumentParser(prog="playbook present", description=__doc__.splitlines()[0])
    p.add_argument("notebook", nargs="?", default="notebooks",
                   help="a notebook number (03 means notebooks/03_*.ipynb), a notebook, or a folder (default: notebooks)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--lang", choices=LANGUAGES, default=None,
                   help="language of labels, charts and widgets (default: $PLAYBOOK_LANG, else en)")
    p.add_argument("--notebooks", default="notebooks", help="where numbered notebooks are looked up (default: notebooks)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    p.epilog = "Options after -- go to Voilà as they are, e.g.: playbook present 03 -- --VoilaExecutor.timeout=300"
    return p


def split_voila_options(argv: list[str]) -> tuple[list[str], list[str]]:
    """Split ``argv`` at the first ``--``: (our arguments, Voilà's options)."""
    if "--" in argv:
        at = argv.index("--")
        return argv[:at], argv[at + 1:]
    return list(argv), []


def run(args: argparse.Namespace, voila_options: list[str] | tuple[str, ...] = ()) -> int:
    """Serve until interrupted (Ctrl-C); returns the exit code."""
    path = find_notebook(args.notebook, args.notebooks)
    # Kernels inherit this process's environment: talk-size charts, the chosen language, and
    # matplotlib's inline backend (an exported Agg would leave the page without charts).
    os.environ["PLAYBOOK_PRESENT"] = "1"
    if args.lang:
        os.environ["PLAYBOOK_LANG"] = args.lang
    os.environ.pop("MPLBACKEND", None)
    steady_shell_polls()

    from traitlets.config import Config
    from voila.app import Voila

    config = Config()
    config.VoilaConfiguration.prelaunch_hook = prelaunch_hook
    argv = voila_argv(path, port=args.port, ip=args.ip, open_browser=not args.no_browser, extra=voila_options)
    print(f"playbook present: serving {path} on http://{args.ip}:{args.port} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    Voila.launch_instance(argv=argv, config=config)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m playbook.present``: the same as ``playbook present``."""
    ours, voila_options = split_voila_options(sys.argv[1:] if argv is None else argv)
    return run(build_parser().parse_args(ours), voila_options)


if __name__ == "__main__":
    raise SystemExit(main())
