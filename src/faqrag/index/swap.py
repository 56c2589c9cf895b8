"""Replacing a folder whole, so that readers find the old one or the new one at
every instant, a killed writer included.

The new folder is written beside the target and swapped in with two renames
(POSIX cannot exchange two folders in one). A writer killed between them
leaves the target missing and the old folder in ``.<name>.old-*``; the next
reader or writer puts it back. Writers take turns (an flock on the parent
folder, released by the kernel however a process dies), so a writer can tell
a dead writer's leftovers, which it removes, from a live one's work.

A folder counts as whole when it holds its ``marker`` file, which the caller
writes last and whole (renamed into place).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from faqrag.files import folder_lock


def replace_folder(
    target: Path, fill: Callable[[Path], None], *, marker: str, check: Callable[[Path], None] = lambda _p: None
) -> None:
    """Write a new folder with ``fill`` (given its path) and swap it in for
    ``target``; ``check(target)`` runs under the lock, before any writing."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(target.parent):
        for dead in _restore(target, marker):
            shutil.rmtree(dead, ignore_errors=True)
        check(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
        try:
            fill(tmp)
            _swap_in(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def remove_folder(path: Path) -> bool:
    """Remove a folder faqrag left (a staged index), whatever stands there now: a
    link or a file is removed itself, never followed (rmtree refuses a link and,
    told to ignore errors, left it for the next writer to build through).
    Whether anything was there."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
        return True
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
        return True
    return False


def recover(target: Path, marker: str) -> None:
    """Put back a folder a killed writer left moved aside; a no-op otherwise."""
    target = target.resolve()
    if target.exists() or not target.parent.is_dir():
        return
    try:
        with folder_lock(target.parent):
            _restore(target, marker)
    except OSError:
        pass  # a read-only folder: nothing can be put back, and the reader finds nothing


def _restore(target: Path, marker: str) -> list[Path]:
    """With the lock held: if ``target`` is missing, put back the whole folder
    a dead writer left (the old one first; for a first write, the finished new
    one). Returns the other leftovers, all dead."""
    prefixes = (f".{target.name}.building-", f".{target.name}.old-")
    left = [p for p in target.parent.glob(f".{target.name}.*") if p.name.startswith(prefixes) and p.is_dir()]
    if not target.exists():
        whole = sorted((p for p in left if (p / marker).is_file()), key=lambda p: ".old-" not in p.name)
        if whole:
            os.replace(whole[0], target)
            left.remove(whole[0])
    return left


def _swap_in(new: Path, target: Path) -> None:
    if not target.exists():
        os.replace(new, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
