"""Reading a question log this process cannot write (a read-only file or folder, a
copy kept for audit), as it stands, for ``faqrag log`` and the review page."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote


def read_as_it_stands(path: Path, sql: str, params: tuple) -> list[tuple]:
    """Rows of a query on the log at ``path``, read-only. Raises sqlite3.Error or OSError."""
    try:  # WAL mode needs a -shm file beside the log, which may not be made here
        return _query(f"file:{quote(str(path.absolute()))}?mode=ro", sql, params)
    except sqlite3.Error:
        pass
    # Then a copy, WAL and all: the rows may still be only in the -wal file (SQLite's
    # immutable mode would read the log without it, and find it empty).
    with tempfile.TemporaryDirectory(prefix="faqrag-log-") as tmp:
        for suffix in ("", "-wal"):
            if path.with_name(path.name + suffix).exists():
                shutil.copyfile(path.with_name(path.name + suffix), Path(tmp) / ("logs.db" + suffix))
        return _query(str(Path(tmp) / "logs.db"), sql, params)


def _query(target: str, sql: str, params: tuple) -> list[tuple]:
    db = sqlite3.connect(target, uri=target.startswith("file:"))
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()
