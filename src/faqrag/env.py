"""Every environment variable faqrag reads, in one place, with what it means.

An empty variable counts as unset. Nothing else in the package reads
``os.environ`` for a FAQRAG_* name; the model libraries' own offline switches
are set where the models load.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

INDEX = "FAQRAG_INDEX"  # the pages' index folder (default: index/ beside app.py)
CORPUS = "FAQRAG_CORPUS"  # the pages' corpus folder (default: corpus/ beside app.py)
REVIEWED = "FAQRAG_REVIEWED"  # the review page's labelled set (default: eval/reviewed.jsonl)
SETS = "FAQRAG_SETS"  # the labelled sets checked before a reviewed index goes live (default: eval/sets.json)
SETTINGS = "FAQRAG_SETTINGS"  # the pages' answering settings file (JSON, as --settings); unset: the defaults
ADMIN_PASSWORD = "FAQRAG_ADMIN_PASSWORD"  # the pages' rebuild and review password; unset: review off
API_TOKEN = "FAQRAG_API_TOKEN"  # the API's bearer token for write endpoints; unset: they are off
SERVER = "FAQRAG_SERVER"  # `faqrag ask --server`'s default URL
LOG = "FAQRAG_LOG"  # the question log's path, or "off"
EMBEDDER = "FAQRAG_EMBEDDER"  # auto | onnx | onnx-int8 | torch
ONNX_CACHE = "FAQRAG_ONNX_CACHE"  # where the ONNX export of a model is kept
SERVE_CONFIG = "FAQRAG_SERVE_CONFIG"  # how `faqrag serve` hands its options to uvicorn's workers (internal)


def get(name: str) -> str | None:
    value = os.environ.get(name, "")
    return value or None


def folder(name: str, default: Path) -> Path:
    """A folder named by variable ``name``, else ``default``."""
    value = get(name)
    return Path(value) if value else default


def server_url() -> str | None:
    return get(SERVER)


def api_token() -> str | None:
    return get(API_TOKEN)


def admin_password() -> str | None:
    return get(ADMIN_PASSWORD)


def log_setting() -> str:
    """FAQRAG_LOG as given, stripped ("" when unset)."""
    return os.environ.get(LOG, "").strip()


def embedder_backend() -> str:
    return os.environ.get(EMBEDDER, "auto").strip().lower()


def cache_dir() -> Path:
    """Where faqrag keeps what it derives once (the ONNX export, the gazetteer):
    inside the venv where it is writable (it goes with the install), else the
    user's cache folder."""
    if os.access(sys.prefix, os.W_OK):
        return Path(sys.prefix) / "share" / "faqrag"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "faqrag"


def onnx_cache() -> Path:
    value = get(ONNX_CACHE)
    return Path(value).expanduser() if value else cache_dir() / "onnx"


def serve_config() -> str:
    return os.environ[SERVE_CONFIG]


def set_serve_config(config: str) -> None:
    os.environ[SERVE_CONFIG] = config
