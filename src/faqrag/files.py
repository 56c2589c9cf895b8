"""Writing files so that a reader never meets half of one: the one place faqrag
writes a file whole or appends lines to one, and lets writers of one folder take turns.

A file is written to a temporary sibling and renamed over the target, so a
process killed at any instant leaves the old file or the new, never a torn
one. Folders are replaced whole by index/swap.py.
"""

from __future__ import annotations

import os
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


def write_atomically(path: Path, text: str) -> None:
    """Write a whole file or nothing; a problem is a FaqragError naming the path."""
    if path.is_dir():
        raise FaqragError(f"cannot write {path}: it is a folder; name a file")
    if path.exists() and not path.is_file():
        # A device or a pipe (/dev/stdout, a FIFO): write into it; renaming over it would replace it.
        try:
            with path.open("w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as err:
            raise FaqragError(f"cannot write {path} ({err.strerror}); check the path") from None
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as err:
        raise FaqragError(f"cannot write {path} ({err.strerror}); check the folder exists and is writable") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise FaqragError(f"cannot write {path} ({err.strerror}); check the path is a writable file") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def append_lines(path: Path, text: str) -> None:
    """Append whole lines in one write, synced: a crash leaves the earlier lines as
    they were (a torn last line is the only risk, and every reader names its line).
    A file whose last line has no newline (edited by hand) gets one first, so two
    rows are never merged into one."""
    with path.open("a+b") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell():
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) not in (b"\n", b"\r"):
                text = "\n" + text
        fh.write(text.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
