"""Where the kit writes, and what it may replace: one policy for every folder and file it writes.

The kit replaces or deletes only what it can prove it wrote: a folder whose manifest was written
by the kit and lists, with SHA-256 checksums, exactly the files the folder holds, checked when
the folder is replaced (not only when the run starts); a file whose first line is the kit's.

A folder is written into a temporary sibling (``.NAME.playbook-tmp-PID-XXXX``, marked inside
with ``.playbook-writing``) and renamed into place only when complete; a killed run's temporary
folder is cleaned by the next run that writes beside it. An earlier output is first renamed
aside (``.NAME.playbook-old-PID-XXXX``), checked there (nothing can be added to it any more),
and deleted only after the new output is in place. Renames never replace what appeared
meanwhile (``renameat2(RENAME_NOREPLACE)`` on Linux).
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from .errors import InvalidArgumentError, OutputFolderError

__all__ = ["atomic_folder", "check_output_folder", "check_output_file", "write_file", "owned_files", "sha256_file",
           "KINDS", "NotOurs"]

_WRITING = ".playbook-writing"

#: What each kind of kit folder calls its manifest, and who the messages say wrote it.
KINDS = {
    "dataset": ("manifest.json", "a dataset written by playbook generate (write_dataset)"),
    "analysis": ("summary.json", "an output of playbook analyze"),
}


class NotOurs(Exception):
    """A folder or file the kit cannot prove it wrote; the message says why."""


def sha256_file(path) -> str:
    """The SHA-256 of a file, read in 1 MB blocks (the checksums the kit's manifests hold)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_sha256(value) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) is not None


def _plain_name(value) -> bool:
    return isinstance(value, str) and value not in ("", ".", "..") and "/" not in value and "\\" not in value


def _listed_files(kind: str, manifest) -> dict[str, str]:
    """File name -> SHA-256 listed by a kit manifest of ``kind``; raises :class:`NotOurs` if it is not one."""
    name = KINDS[kind][0]
    if kind == "analysis":
        if not isinstance(manifest, dict) or manifest.get("made_by") != "playbook analyze":
            raise NotOurs(f"its {name} was not written by playbook analyze (it has no \"made_by\": \"playbook analyze\")")
        files = manifest.get("files")
        if not isinstance(files, dict) or not all(_plain_name(f) and isinstance(i, dict) and _is_sha256(i.get("sha256"))
                                                  for f, i in files.items()):
            raise NotOurs(f"its {name} does not list the files it wrote with checksums (an older or edited output)")
        return {f: i["sha256"] for f, i in files.items()}
    # write_dataset's manifest (byte-identical to the shipped datasets): every table's file with its SHA-256.
    tables = manifest.get("tables") if isinstance(manifest, dict) else None
    if not isinstance(tables, dict) or not tables or not all(
            isinstance(i, dict) and _plain_name(i.get("file")) and _is_sha256(i.get("sha256")) for i in tables.values()):
        raise NotOurs(f"its {name} was not written by playbook (no list of tables with SHA-256 checksums)")
    return {i["file"]: i["sha256"] for i in tables.values()}


def owned_files(folder, kind: str) -> list[str]:
    """The files of ``folder`` if it holds exactly a kit output of ``kind``, unchanged; else raise :class:`NotOurs`.

    The manifest must be the kit's (see :data:`KINDS`), every other entry must be a regular file
    it lists, and each must still have the SHA-256 written in the manifest. Links and folders are
    never the kit's.

    >>> import tempfile, playbook
    >>> from playbook.synth import generate
    >>> out = playbook.write_dataset(generate("b2b", n_customers=20, seed=1), tempfile.mkdtemp() + "/b2b")
    >>> owned_files(out, "dataset")[:2]
    ['complaints.csv', 'contacts.csv']
    """
    folder = Path(folder)
    manifest_name = KINDS[kind][0]
    entries = {e.name: e for e in os.scandir(folder)}
    if manifest_name not in entries:
        unexpected = sorted(entries)[0] if entries else None
        raise NotOurs(f"it has no {manifest_name} written by playbook" + (f" (it holds {unexpected!r})" if unexpected else ""))
    if not entries[manifest_name].is_file(follow_symlinks=False):
        raise NotOurs(f"its {manifest_name} is not a regular file")
    try:
        manifest = json.loads(Path(entries[manifest_name].path).read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError) as exc:
        raise NotOurs(f"its {manifest_name} cannot be read as the kit's JSON ({exc.__class__.__name__})") from None
    listed = _listed_files(kind, manifest)
    for name in sorted(entries):
        if name == manifest_name:
            continue
        if name not in listed:
            raise NotOurs(f"it holds {name!r}, which playbook did not write (it is not listed in {manifest_name})")
        if not entries[name].is_file(follow_symlinks=False):
            raise NotOurs(f"{name!r} is a folder or a link, not the file playbook wrote")
        if sha256_file(Path(entries[name].path)) != listed[name]:
            raise NotOurs(f"{name!r} was changed after playbook wrote it (its SHA-256 differs from {manifest_name})")
    return sorted(entries)


def _error(text: str, option: str | None) -> OutputFolderError:
    """An OutputFolderError naming ``option=True`` for Python and ``--option`` for the command line."""
    if option is None:
        return OutputFolderError(text.replace("{option}", "").strip())
    return OutputFolderError(text.replace("{option}", f"{option}=True"),
                             cli_message=text.replace("{option}", f"--{option.replace('_', '-')}"))


def _target(folder) -> tuple[Path, Path]:
    """(the path as the user gave it, the real path to write) for an output folder or file."""
    shown = Path(folder)
    if shown.name in ("", ".", ".."):
        where = "the current folder" if str(shown) == "." else f"a folder by '{shown.name or '/'}', not by a new name"
        raise OutputFolderError(
            f"Output {shown} names {where}: give the name of a new folder to create, e.g. {shown / 'analysis'}; "
            "nothing was written."
        )
    if os.path.islink(shown):
        raise OutputFolderError(
            f"Output {shown} is a symbolic link (to {os.readlink(shown)}); the kit never writes through links. "
            f"Give the real path, or a new name; nothing was written."
        )
    return shown, Path(os.path.realpath(shown.parent)) / shown.name


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _why_not_ours(folder: Path, kind: str | None) -> str | None:
    if kind is None:
        return "this writer keeps no manifest"
    try:
        owned_files(folder, kind)
    except NotOurs as why:
        return str(why)
    return None


def _clean_stale(real: Path, kind: str | None, note: Callable[[str], None]) -> None:
    """Remove what a killed run left beside ``real``: temporary folders, or an earlier output moved aside."""
    parent = real.parent
    if not parent.is_dir():
        return
    pattern = re.compile(rf"\.{re.escape(real.name)}\.playbook-(tmp|old)-(\d+)-[^/]+")
    for entry in os.scandir(parent):
        m = pattern.fullmatch(entry.name)
        if not m or not entry.is_dir(follow_symlinks=False) or _pid_alive(int(m.group(2))):
            continue
        stale = Path(entry.path)
        if m.group(1) == "tmp":
            try:
                marker = json.loads((stale / _WRITING).read_text(encoding="utf-8"))
            except (OSError, UnicodeError, ValueError):
                marker = None
            marked = isinstance(marker, dict) and marker.get("made_by") == "playbook"
            if marked and marker.get("host") != socket.gethostname():
                continue  # another machine's run on a shared disk: its PID means nothing here
            if not marked and _why_not_ours(stale, kind):
                note(f"left {stale}: it looks like a killed playbook run's temporary folder but is not marked as one; delete it yourself if so")
                continue
            shutil.rmtree(stale)
            note(f"removed {stale.name}, the temporary folder of an earlier playbook run that was killed (pid {m.group(2)})")
        elif not os.path.lexists(real):
            _rename_noreplace(stale, real)
            note(f"restored {real} from {stale.name}: an earlier playbook run was killed while replacing it")
        else:
            why = _why_not_ours(stale, kind)
            if why:
                note(f"left {stale}: an earlier playbook run moved it aside and was killed, but {why}; check it and delete it yourself")
                continue
            shutil.rmtree(stale)
            note(f"removed {stale.name}, an earlier output a killed playbook run had already replaced")


# renameat2 from glibc once looked up, False where there is none, None before the first look-up
_libc: Callable[..., int] | Literal[False] | None = None


def _rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst``; FileExistsError if ``dst`` exists, even one appearing at that instant."""
    global _libc
    import ctypes

    if _libc is None:
        try:
            _libc = ctypes.CDLL(None, use_errno=True).renameat2
        except (AttributeError, OSError, TypeError):  # not glibc/Linux (TypeError: Windows)
            _libc = False
    if _libc:
        if _libc(-100, os.fsencode(src), -100, os.fsencode(dst), 1) == 0:  # AT_FDCWD, RENAME_NOREPLACE
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(src), None, str(dst))
    if os.path.lexists(dst):  # no renameat2 here: check, then rename (a tiny window remains)
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


def check_output_folder(folder, *, kind: str | None, replace: bool, option: str | None = "overwrite", protect=()) -> Path:
    """Refuse an output folder the kit may not write; return it as given (a Path).

    Refused: a file, a symbolic link, ``.`` or ``..``, a folder holding one of ``protect`` (the
    input), and a non-empty folder unless ``replace`` and it holds exactly an unchanged kit output
    of ``kind`` (see :func:`owned_files`). ``option`` is the argument that allows replacing
    (``overwrite`` is named ``overwrite=True`` in Python and ``--overwrite`` on the command line).

    Raises
    ------
    OutputFolderError

    Examples
    --------
    >>> import tempfile
    >>> check_output_folder(tempfile.mkdtemp(), kind="analysis", replace=False).is_dir()
    True
    """
    shown, real = _target(folder)
    if real.exists() and not real.is_dir():
        raise OutputFolderError(f"Output path {shown} exists and is a file; give a folder name.")
    if not real.is_dir():
        _check_parent(shown, real)
        return shown
    inside = [Path(p) for p in protect if Path(p).resolve().is_relative_to(real)]
    if inside:
        raise OutputFolderError(
            f"Output folder {shown} contains the input file {inside[0].name}; writing there could delete your data. "
            f"Choose a new folder, e.g. {shown / 'analysis'}."
        )
    if not any(os.scandir(real)):
        return shown
    if not replace:
        raise _error(f"Output folder {shown} already exists and is not empty; nothing was written. "
                     "Choose another folder, or pass {option} to replace an earlier output of the kit.", option)
    _check_ours(shown, real, kind, option, when="")
    return shown


def _check_parent(shown: Path, real: Path) -> None:
    """The nearest existing folder above a new output must be a writable folder; said before any work is done."""
    above = next(p for p in real.parents if os.path.lexists(p))
    if not above.is_dir():
        raise OutputFolderError(f"Output {shown} cannot be created: {above} is a file, not a folder. Give a folder path.")
    if not os.access(above, os.W_OK | os.X_OK):
        raise OutputFolderError(f"Output {shown} cannot be created: the folder {above} is not writable for you. "
                                "Choose a folder you can write to.")


def _check_ours(shown: Path, real: Path, kind: str | None, option: str | None, when: str) -> None:
    try:
        if kind is None:
            raise NotOurs("this writer replaces only empty folders")
        owned_files(real, kind)
    except NotOurs as why:
        what = KINDS[kind][1] if kind else "a kit output"
        raise _error(f"Output folder {shown} is not {what}{when}: {why}. Nothing was deleted or written; "
                     "{option} replaces only a folder the kit wrote. Choose a new folder, or move those files yourself.",
                     option) from None


def _make_parents(parent: Path) -> list[Path]:
    made = []
    for p in reversed([parent, *parent.parents]):
        if not p.exists():
            p.mkdir()
            made.append(p)
    return made


@contextlib.contextmanager
def atomic_folder(folder, *, overwrite: bool = False, kind: str | None = None, option: str | None = "overwrite",
                  protect=(), note: Callable[[str], None] | None = None):
    """Yield a temporary sibling of ``folder`` to fill; on success it replaces ``folder``.

    The writer must put the manifest of ``kind`` into the folder (see :data:`KINDS`); an existing
    folder is replaced only when ``overwrite`` is true and it holds exactly an unchanged kit output of
    ``kind``, checked when the run starts and again, after moving it aside, at the swap. A folder
    that appeared meanwhile is never replaced without ``overwrite``. A crash or an error leaves
    ``folder`` as it was, the new output discarded, and parent folders created for it removed.
    ``note`` receives one line per stale temporary folder cleaned or left (default: a warning).

    >>> import tempfile, pathlib
    >>> parent = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_folder(parent / "new") as tmp:
    ...     _ = (tmp / "a.txt").write_text("hello")
    >>> sorted(p.name for p in parent.iterdir()), (parent / "new" / "a.txt").read_text()
    (['new'], 'hello')
    """
    note = note or (lambda message: warnings.warn(message, stacklevel=4))
    _clean_stale(_target(folder)[1], kind, note)  # first: it may put back an earlier output a killed run moved aside
    shown = check_output_folder(folder, kind=kind, replace=overwrite, option=option, protect=protect)
    real = _target(shown)[1]
    made = _make_parents(real.parent)
    tmp = aside = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{real.name}.playbook-tmp-{os.getpid()}-", dir=real.parent))
        tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would make the output private
        (tmp / _WRITING).write_text(json.dumps({"made_by": "playbook", "pid": os.getpid(), "host": socket.gethostname()}),
                                    encoding="utf-8")
        yield tmp
        (tmp / _WRITING).unlink()
        aside = _swap(tmp, real, shown, kind, overwrite, option)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        for p in reversed(made):
            with contextlib.suppress(OSError):
                p.rmdir()
        raise
    if aside is not None:
        shutil.rmtree(aside)


def _swap(tmp: Path, real: Path, shown: Path, kind, overwrite: bool, option) -> Path | None:
    """Rename ``tmp`` to ``real``, re-checking what is there now; returns the old output moved aside."""
    appeared = " (it appeared or changed while this run was working: another playbook run?)"
    if os.path.islink(real) or (os.path.lexists(real) and not real.is_dir()):
        raise OutputFolderError(f"Output {shown} became a link or a file while this run was working; "
                                "nothing was written and the new output was discarded.")
    aside = None
    if real.is_dir():
        try:
            real.rmdir()  # an empty folder: nothing to lose
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            if not overwrite:
                raise _error(f"Output folder {shown} exists now and is not empty{appeared}; nothing was written and "
                             "the new output was discarded. Choose another folder, or pass {option} to replace "
                             "an earlier output of the kit.", option) from None
            aside = tmp.with_name(tmp.name.replace(".playbook-tmp-", ".playbook-old-"))
            _rename_noreplace(real, aside)
            try:
                _check_ours(shown, aside, kind, option, when=" any more" + appeared)
            except OutputFolderError:
                with contextlib.suppress(OSError):
                    _rename_noreplace(aside, real)
                raise
    try:
        _rename_noreplace(tmp, real)
    except FileExistsError:
        kept = f" The earlier output is kept in {aside}." if aside is not None else ""
        raise _error(f"Output folder {shown} appeared while this run was working (another playbook run?); "
                     f"nothing was written and the new output was discarded.{kept} Run again, with {{option}} "
                     "to replace it.", option) from None
    return aside


def check_output_file(path, *, marker: str, what: str, overwrite: bool = True, option: str | None = None) -> tuple[Path, Path]:
    """Refuse to write ``path`` unless it is new or a file the kit wrote (it starts with ``marker``).

    Returns (the path as given, the real path). A link, a folder, or a file that does not start with
    ``marker`` is refused; so is any existing file when ``overwrite`` is false.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "notes.md"
    >>> _ = p.write_text("my notes")
    >>> check_output_file(p, marker="# Data dictionary", what="a data dictionary written by playbook")
    Traceback (most recent call last):
    ...
    playbook.errors.OutputFolderError: notes.md exists and is not a data dictionary written by playbook ...
    """
    shown, real = _target(path)
    if not real.parent.is_dir():
        raise OutputFolderError(f"Folder {shown.parent} does not exist; create it first.")
    if not os.path.lexists(real):
        return shown, real
    if not real.is_file():
        raise OutputFolderError(f"{shown} exists and is not a file; nothing was written. Choose another file name.")
    if not overwrite:
        raise _error(f"{shown} already exists; nothing was written. Pass {{option}} to replace it, or choose another name.",
                     option)
    with open(real, "rb") as fh:
        head = fh.read(len(marker.encode("utf-8")))
    if head != marker.encode("utf-8"):
        raise OutputFolderError(f"{shown.name} exists and is not {what} (it does not start with {marker.splitlines()[0]!r}); "
                                f"nothing was written or deleted. Choose another file name, or move {shown} yourself.")
    return shown, real


def write_file(path, data: bytes, *, marker: str, what: str, overwrite: bool = True, option: str | None = None) -> Path:
    """Write ``data`` (which starts with ``marker``) to ``path`` atomically, replacing only a file the kit wrote.

    The file gets the permissions a new file would get (or keeps the replaced file's); the
    check of :func:`check_output_file` is repeated just before the rename.

    >>> import tempfile, pathlib
    >>> p = write_file(pathlib.Path(tempfile.mkdtemp()) / "d.md", b"# D\\nhi\\n", marker="# D\\n", what="a D")
    >>> p.read_text(), oct(p.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    ('# D\\nhi\\n', True)
    """
    if not data.startswith(marker.encode("utf-8")):
        raise InvalidArgumentError(f"write_file: the data must start with its marker {marker!r}.")
    shown, real = check_output_file(path, marker=marker, what=what, overwrite=overwrite, option=option)
    mode = real.stat().st_mode & 0o777 if real.is_file() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.playbook-tmp-{os.getpid()}-", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        check_output_file(path, marker=marker, what=what, overwrite=overwrite, option=option)
        if os.path.lexists(real):
            os.replace(tmp, real)
        else:
            try:
                _rename_noreplace(Path(tmp), real)
            except FileExistsError:
                raise OutputFolderError(f"{shown} appeared while this run was writing it; nothing was written. Run again.") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return shown


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
