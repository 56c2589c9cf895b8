"""Reading a corpus file, bounded in size, and keeping its hash. Which files are inside
the corpus folder is ``files.inside``'s to say (corpus.py and metadata.py ask it)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from faqrag.errors import CorpusError
from faqrag.limits import MAX_FILE_BYTES, mib, read_bytes_capped


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(f"{path}: {mib(size)} is over the {mib(MAX_FILE_BYTES)} limit for one file; split it")
        return read_bytes_capped(path, MAX_FILE_BYTES)  # it may grow, or be a device, after the look
    except ValueError as err:
        raise CorpusError(
            f"{path}: cannot be read ({err}); put a file of at most {mib(MAX_FILE_BYTES)} there"
        ) from None
    except FileNotFoundError:
        raise CorpusError(f"{path}: file not found; check the corpus folder") from None
    except OSError as err:
        raise CorpusError(f"{path}: cannot be read ({err.strerror}); check its permissions") from None


class Reader:
    """Reads corpus files through ``read_bytes`` and keeps each one's sha256, so a
    build hashes exactly what it parsed and reads every file once."""

    def __init__(self, corpus_dir: Path):
        self.corpus_dir = corpus_dir
        self.hashes: dict[str, str] = {}  # by path relative to the corpus folder

    def __call__(self, path: Path) -> bytes:
        raw = read_bytes(path)
        self.hashes[path.relative_to(self.corpus_dir).as_posix()] = hashlib.sha256(raw).hexdigest()
        return raw
