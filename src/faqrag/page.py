"""What both Streamlit pages share: where the folders are, the engine loaded once per
server process, the admin password, and showing corpus text and messages safely.

Corpus text is never handed to Markdown or raw HTML as is: it goes through
``st.text``, through ``as_html`` (escaped, plus our own ``<mark>``), or through
``md_escape`` where Streamlit only takes Markdown (button and expander labels,
alerts). Visitors never see a server path: ``public`` shows paths relative to
the project, or only a file's name.
"""

from __future__ import annotations

import hmac
import html
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from faqrag import env
from faqrag.answer.handoff import link_of
from faqrag.answer.records import Handoff
from faqrag.engine import Engine, example_questions
from faqrag.errors import FaqragError
from faqrag.models.embedder import model_name
from faqrag.records import Chunk
from faqrag.search.answer_type import EMAIL
from faqrag.settings import Settings
from faqrag.text import without_paths

ROOT = Path(__file__).resolve().parents[2]  # the project: app.py, corpus/, index/, eval/
log = logging.getLogger("faqrag.page")


@dataclass(frozen=True)
class Site:
    """The folders and files the pages work on (``FAQRAG_*`` variables, else the project's own)."""

    index: Path
    corpus: Path
    reviewed: Path  # the labelled set reviews are written to
    sets: Path  # the labelled sets checked before a reviewed index goes live
    settings: Path | None = None  # answering settings (the hand-off among them); None: the defaults


def site() -> Site:
    given = env.get(env.SETTINGS)
    return Site(
        index=env.folder(env.INDEX, ROOT / "index"),
        corpus=env.folder(env.CORPUS, ROOT / "corpus"),
        reviewed=env.folder(env.REVIEWED, ROOT / "eval" / "reviewed.jsonl"),
        sets=env.folder(env.SETS, ROOT / "eval" / "sets.json"),
        settings=Path(given) if given else None,
    )


def password_ok(given: str | None) -> bool:
    """Whether ``given`` is the admin password (compared in constant time); always
    True when none is set."""
    expected = env.admin_password()
    if not expected:
        return True
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


# ------------------------------------------------------------- showing text


def md_escape(text: str) -> str:
    """Text that Streamlit's Markdown shows literally.

    Backslash-escaping ASCII punctuation stops emphasis, links, lists, HTML and
    LaTeX; Streamlit's ``:icon:`` and ``:color[...]`` shortcuts ignore a
    backslash before ':', so a zero-width space after each ':' breaks them.
    """
    escaped = re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$&^=\"'])", r"\\\1", text)
    return escaped.replace(":", ":\u200b")


def as_html(text: str, mark: tuple[int, int] | None = None, cls: str = "") -> str:
    """``text`` escaped into a div, with ``text[mark[0]:mark[1]]`` in a <mark>, and phone
    numbers kept on one line (a browser breaks "0800-048-0888" after a dash)."""
    if mark and 0 <= mark[0] < mark[1] <= len(text):
        s, e = mark
        marked = _escaped(text[s:e], text[s - 1 : s], text[e : e + 1])
        body = f"{_escaped(text[:s], after=text[s])}<mark>{marked}</mark>{_escaped(text[e:], text[e - 1])}"
    else:
        body = _escaped(text)
    return f'<div class="fq-text {cls}">{body}</div>'


# A phone-like number: digits with dashes, spaces, dots or brackets between them.
UNBROKEN = re.compile(r"\+?\d[\d ().\u2011-]{5,}\d")


# An e-mail address is a mailto: link; it is tried first, so digits inside one stay in it.
_LINKED = re.compile(f"(?P<email>{EMAIL.pattern})|(?P<phone>{UNBROKEN.pattern})")
_ADDRESS_GOES_ON = re.compile(r"[\w@+-]")


def _escaped(text: str, before: str = "", after: str = "") -> str:
    """``text`` escaped, its addresses linked and its numbers kept whole; ``before``
    and ``after``: the characters around it, if it is cut from a longer text."""
    # Escaping leaves word characters, digits, spaces, @, dashes, dots, plus and brackets
    # as they are: the pattern finds the same addresses and numbers in the escaped text.
    escaped = html.escape(text, quote=True)
    return _LINKED.sub(lambda m: _linked(m, escaped, before, after), escaped)


def _linked(m: re.Match[str], text: str, before: str, after: str) -> str:
    if m["phone"]:
        return f'<span class="fq-nowrap">{m["phone"]}</span>'
    address = m["email"].rstrip(".")  # the sentence's full stop is not part of it
    preceding = text[m.start() - 1 : m.start()] if m.start() else before
    following = text[m.end() : m.end() + 1] or after
    cut_after = address == m["email"] and (following == "…" or _ADDRESS_GOES_ON.match(following))
    if cut_after or preceding == "…" or _ADDRESS_GOES_ON.match(preceding):
        return m["email"]  # cut (by a mark or an ellipsis): a link would write to another address
    return f'<a href="mailto:{address}">{address}</a>{m["email"][len(address) :]}'


def locate(text: str, needle: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """Where ``needle`` first occurs in ``text[start:end]``, as a span of ``text``."""
    i = text.find(needle, start, len(text) if end is None else end) if needle else -1
    return (i, i + len(needle)) if i >= 0 else None


def excerpt(text: str, span: tuple[int, int], width: int = 300) -> tuple[str, tuple[int, int]]:
    """Whole lines of ``text`` around ``span`` (with "…" where cut), and the span's place in them."""
    s, e = span
    a = text.rfind("\n", 0, s - width) + 1 if s > width else 0
    b = text.find("\n", min(e + width, len(text)))
    b = len(text) if b < 0 else b
    before, after = ("…" if a > 0 else ""), ("…" if b < len(text) else "")
    return before + text[a:b] + after, (s - a + len(before), e - a + len(before))


def public(message: str, *folders: Path) -> str:
    """``message`` with no absolute server path in it, for visitors.

    Paths inside the project become relative to it; ``folders`` outside it
    (an index in /tmp) and any other absolute path shrink to their last part.
    By text, as the API does (text.without_paths); only our own folders are resolved.
    """
    known = {form: shown_path(Path(form)) for f in folders for form in {str(f), str(f.resolve())}}
    known[str(ROOT)] = ""  # "<project>/corpus/x.txt" reads "corpus/x.txt"
    return without_paths(message, known)


def shown_path(path: Path) -> str:
    """A path as visitors see it: relative to the project, else only its name."""
    try:
        rel = path.resolve().relative_to(ROOT)
    except ValueError:
        return path.name or "/"
    return str(rel) if rel.parts else "."


# ------------------------------------------------------------ shared pieces

CSS = """<style>
.fq-text { white-space: pre-wrap; overflow-wrap: break-word; line-height: 1.5; }
.fq-nowrap { white-space: nowrap; }
.fq-answer { font-size: 1.2rem; font-weight: 500; }
.fq-source { color: rgba(128, 128, 128, 0.95); font-size: 0.875rem; }
.fq-text mark { background: #ffe58f; color: inherit; padding: 0 0.1em; border-radius: 0.2em; }
@media (prefers-color-scheme: dark) { .fq-text mark { background: #7a6200; } }
</style>"""
# Once an answer is shown, Streamlit's "Press Enter to submit form" under the box is noise.
NO_INPUT_HINT = '<style>[data-testid="InputInstructions"] { display: none; }</style>'


def render_handoff(h: Handoff | None) -> None:
    """The way to a person (answer/handoff.py), after "No" and under a decline."""
    if h is None:
        return
    with st.container(border=True):
        st.markdown("**Need a person?**")
        if h.kind == "section":
            st.html(as_html(f"From the guide: {h.label}", cls="fq-source"))
            st.html(as_html(h.text))
        link = link_of(h)
        if link:
            label = "Open the page" if h.kind == "section" else h.label
            st.link_button(md_escape(label), link, help=h.target if h.kind == "email" else None)


def render_index_facts(guide: Guide | None) -> None:
    """The index in use, in the sidebar of both pages."""
    bar = st.sidebar
    bar.header("Index")
    if guide is None:
        return
    m = guide.engine.stored.manifest
    counts = m["counts"]
    bar.text(
        f"Documents: {counts['documents']}\nChunks: {counts['chunks']}\n"
        f"Model: {model_name(m['model']['id'])}\nBuilt: {m['built_at'].replace('T', ' ').replace('Z', ' UTC')}"
    )


# ------------------------------------------------------- loaded once per process


def section_spans(chunks: list[Chunk]) -> dict[str, tuple[int, int]]:
    """Chunk id -> the span, in its document, of every chunk under the same heading."""
    extent: dict[tuple[str, tuple[str, ...]], tuple[int, int]] = {}
    for c in chunks:
        key = (c.doc, c.trail)
        s, e = extent.get(key, c.span)
        extent[key] = (min(s, c.span[0]), max(e, c.span[1]))
    return {c.id: extent[(c.doc, c.trail)] for c in chunks}


@dataclass(frozen=True)
class Guide:
    """An opened engine plus what the page derives from its index once."""

    engine: Engine
    sections: dict[str, tuple[int, int]]
    examples: list[str]


# Keyed on the manifest's mtime too, so an index rebuilt outside the page (faqrag build)
# is picked up on the next run (and a settings file's, so an edit to it is); two entries
# at most, the old one only until sessions drop it.
@st.cache_resource(show_spinner="Loading the index and the model…", max_entries=2)
def load_guide(index_dir: str, built_stamp: int, settings_file: str | None = None, settings_stamp: int = 0) -> Guide:
    settings = Settings.from_file(Path(settings_file)) if settings_file else None
    engine = Engine.open(Path(index_dir), settings=settings)
    engine.warm_up()  # so the first question is as fast as the rest
    one_torch_thread()
    chunks = engine.stored.chunks
    return Guide(engine, section_spans(chunks), example_questions(chunks))


def one_torch_thread() -> None:
    """Run the model's maths on one thread in this server process.

    A short question gains nothing from intra-op threads, and when another
    process wants a CPU they wait on each other: on a busy 2-CPU machine one
    question took ~480 ms with torch's default 2 threads and ~14 ms with 1.
    Sessions already run in threads of their own. Only if the model brought
    torch in; a test's fake model does not.
    """
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


@st.cache_data(ttl=10, show_spinner=False)
def index_problem(index_dir: str, corpus_dir: str) -> str | None:
    """Why the index needs a (re)build, or None. Cached: it hashes the corpus files."""
    from faqrag.index.build import needs_build

    return needs_build(Path(index_dir), Path(corpus_dir), None)


def open_guide(index: Path, settings: Path | None = None) -> tuple[Guide | None, str | None]:
    """The guide both pages answer from, or why there is none (one line, no server path)."""
    try:
        stamp = (index / "manifest.json").stat().st_mtime_ns
    except OSError:
        stamp = 0  # no manifest: load_guide raises the engine's own message
    try:
        settings_stamp = settings.stat().st_mtime_ns if settings is not None else 0
    except OSError:
        settings_stamp = -1  # missing: Settings.from_file says so
    try:
        named = str(settings.resolve()) if settings is not None else None
        return load_guide(str(index.resolve()), stamp, named, settings_stamp), None
    except FaqragError as err:
        return None, public(str(err), index, *([settings.parent] if settings is not None else []))
    except Exception as err:  # anything else is our bug: log it, show one line
        log.exception("cannot open the index at %s", index)
        return None, f"the index at {shown_path(index)} could not be opened ({type(err).__name__}); see the server log"
