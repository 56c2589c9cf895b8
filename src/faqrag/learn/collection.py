"""What reviewed entries are called where visitors see them (their source line, the
page's header): a title in the reviewed FAQ file's sidecar, which a maintainer may
rename, so they read as part of the help content, not as a file name ("Reviewed faq")."""

from __future__ import annotations

from pathlib import Path

from faqrag.errors import FaqragError
from faqrag.files import write_atomically
from faqrag.ingest.metadata import META_SUFFIX, read_sidecar
from faqrag.limits import dumps

REVIEWED_FAQ = "reviewed-faq.csv"  # in the corpus folder: the entries reviews added
REVIEWED_TITLE = "Help team answers"


def title(corpus_dir: Path) -> str:
    """The collection's title from the reviewed FAQ file's sidecar, else REVIEWED_TITLE."""
    try:
        named = read_sidecar(corpus_dir / REVIEWED_FAQ, corpus_dir, lambda _m: None).get("title")
    except FaqragError:
        named = None
    return named if isinstance(named, str) and named.strip() else REVIEWED_TITLE


def name_new(reviewed_faq: Path) -> None:
    """Give a new reviewed FAQ file its title; a sidecar already there is the maintainer's."""
    meta = reviewed_faq.with_name(reviewed_faq.name + META_SUFFIX)
    if not meta.exists() and not meta.is_symlink():
        write_atomically(meta, dumps({"title": REVIEWED_TITLE}) + "\n", within=reviewed_faq.parent)
