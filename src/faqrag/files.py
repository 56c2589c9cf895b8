"""Writing files so that a reader never meets half of one: the one place faqrag
writes a file whole or appends lines to one, and lets writers of one folder take turns.

A file is written to a temporary sibling and renamed over the target, so a
process killed at any instant leaves the old file or the new, never a torn
one. Folders are replaced whole by index/swap.py.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from faqrag.errors import FaqragError


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write to; renamed over ``target``
    when the block ends normally, removed when it raises. For writers that want a
    path (a library exporting a model), not text."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, every link on it followed (a dangling one too), ends inside
    ``folder`` (itself resolved: a folder that is a link is where it points)."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL
        return False


def confine(path: Path, folder: Path, *beside: str) -> Path:
    """``path``, a file faqrag keeps in ``folder`` (the corpus, eval/, the index):
    a FaqragError when it links outside it, so nothing elsewhere (/etc/passwd, a
    file of another project) is ever read as, or written as, that file. ``beside``:
    suffixes of files kept with it (SQLite's ``-wal``), held to the same."""
    for name in (path.name, *(path.name + s for s in beside)):
        if not inside(path.with_name(name), folder):
            raise FaqragError(
                f"{path.with_name(name)} links outside {folder}, so faqrag neither reads nor writes it; "
                "replace the link with the file itself"
            )
    return path


def write_atomically(path: Path, text: str, *, within: Path | None = None) -> None:
    """Write a whole file or nothing; a problem is a FaqragError naming the path.
    ``within``: the folder a file faqrag keeps must stay in (see ``confine``); a
    path a person named may be a device or a pipe, and is written into."""
    if within is not None:
        confine(path, within)
    if path.is_dir():
        raise FaqragError(f"cannot write {path}: it is a folder; name a file")
    if within is None and path.exists() and not path.is_file():
        # A device or a pipe (/dev/stdout, a FIFO): write into it; renaming over it would replace it.
        try:
            with path.open("w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as err:
            raise FaqragError(f"cannot write {path} ({err.strerror}); check the path") from None
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _new_beside(path)
    except OSError as err:
        raise FaqragError(f"cannot write {path} ({err.strerror}); check the folder exists and is writable") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            # On disk before the rename: a power cut leaves the old file or the new, not an empty one.
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise FaqragError(f"cannot write {path} ({err.strerror}); check the path is a writable file") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_lines(path: Path, text: str, *, within: Path) -> None:
    """Append whole lines in one write, synced: a crash leaves the earlier lines as
    they were (a torn last line is the only risk, and every reader names its line).
    A file whose last line has no newline (edited by hand) gets one first, so two
    rows are never merged into one. The file must be a plain one of its own inside
    ``within``: appending through a link, or to a file with a second name (a hard
    link), would change a file elsewhere."""
    confine(path, within)
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o666)
    except OSError as err:
        raise FaqragError(f"cannot add to {path} ({err.strerror}); check it is a file you can write") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
        os.close(fd)
        what = "is not a plain file" if not stat.S_ISREG(st.st_mode) else "has another name (a hard link)"
        raise FaqragError(f"cannot add to {path}: it {what}, so faqrag does not write to it; replace it with a copy")
    with os.fdopen(fd, "r+b") as fh:
        if st.st_size:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) not in (b"\n", b"\r"):
                text = "\n" + text
        fh.write(text.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def _new_beside(path: Path) -> tuple[int, str]:
    """A new empty file beside ``path`` (``.name.`` and a random tail), made with the mode
    a plain open() gives: 0o666 less the umask, which the kernel applies, as in click's
    atomic files. mkstemp's file is private (0600), and widening it needs the umask,
    which Python reads only by setting it: for that moment, every thread's new files
    were world-writable."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # O_BINARY: as mkstemp, on Windows
    for _ in range(100):
        tmp = str(path.with_name(f".{path.name}.{secrets.token_hex(4)}"))
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(path.parent))


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Writers of ``folder`` one at a time, across threads and processes: an flock on the
    folder itself, which the kernel drops however its holder ends (no lock file is left).
    For a writer that reads a file, changes it and writes it whole, so that another
    writer's lines appended meanwhile are not lost."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locking
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
