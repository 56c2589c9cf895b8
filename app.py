"""The faqrag page: ask the guide a question, get a short answer, where it comes
from, and the passages behind it.

A thin shell over ``faqrag.engine.Engine``: the engine decides the answer, the
page only shows it. What both pages share (folders, the engine loaded once per
process, the admin password, showing text and messages safely) is in
``faqrag.page``.

Run with ``make run``. FAQRAG_INDEX and FAQRAG_CORPUS override the index and
corpus folders (default: ``index`` and ``corpus`` next to this file). When
FAQRAG_ADMIN_PASSWORD is set, rebuilding the index from the page asks for it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from faqrag import env
from faqrag.answer.framing import passages_to_list
from faqrag.answer.records import Response
from faqrag.errors import FaqragError
from faqrag.learn import qlog
from faqrag.page import (
    CSS,
    NO_INPUT_HINT,
    Guide,
    as_html,
    excerpt,
    index_problem,
    load_guide,
    locate,
    md_escape,
    open_guide,
    password_ok,
    public,
    render_handoff,
    render_index_facts,
    site,
)
from faqrag.search.answer_type import quotes_contact_details

HERE = Path(__file__).resolve().parent
BOX = "question_box"  # session-state key of the question input
ASKED = "asked"  # session-state key of the question to answer on this run
log = logging.getLogger("faqrag.app")

CONTACT_LINE = (
    "Contact details in this answer are quoted from the guide. Confirm them on the official site "
    "before sharing personal or payment details."
)
# In the same box as a document's notice, which usually says to confirm details already.
CONTACT_SHORT = "Contact details in this answer are quoted from the guide; check them before use."


# ------------------------------------------------------------------ sidebar


def render_sidebar(guide: Guide | None, index: Path, corpus: Path) -> tuple[int, bool]:
    """Index facts, staleness with a rebuild button, and display settings."""
    bar = st.sidebar
    render_index_facts(guide)
    model_id = guide.engine.stored.manifest["model"]["id"] if guide is not None else None
    try:
        problem = index_problem(str(index.resolve()), str(corpus.resolve()))
    except FaqragError as err:
        problem = str(err)
    protected = bool(env.admin_password())
    if problem:
        bar.warning(md_escape(public(f"The index needs a rebuild: {problem}.", index, corpus)))
    elif guide is not None:
        bar.caption("Up to date with the corpus.")
    given = bar.text_input("Admin password", type="password", key="admin_password") if protected else None
    if problem:
        label = "Rebuild the index" if guide is not None else "Build the index"
        clicked = bar.button(label, key="rebuild", type="primary")
    else:
        clicked = bar.button(
            "Rebuild anyway",
            key="rebuild_anyway",
            help="Build the index again from the corpus; unchanged texts keep their vectors.",
        )
    if clicked:
        if password_ok(given):
            rebuild(index, corpus, model_id)
        else:
            bar.error("Rebuilding needs the admin password: type it in the box above, then press the button again.")
    if not protected:
        bar.caption(
            f"Anyone who opens this page can rebuild the index; set {env.ADMIN_PASSWORD} on the server to require a password."
        )
    if msg := st.session_state.pop("rebuilt", None):
        bar.success(md_escape(msg))
    for warning in st.session_state.pop("rebuild_warnings", []):
        bar.warning(md_escape(warning))

    bar.header("Settings")
    k = bar.slider("Passages to show", 1, 10, 5, key="k")
    show_scores = bar.checkbox("Show scores", value=True, key="show_scores")
    return k, show_scores


def rebuild(index: Path, corpus: Path, model_id: str | None) -> None:
    """Build a new index beside the old one and swap it in; then reload for everyone.

    Sessions answering right now keep the engine object they hold; clearing the
    cache makes each session's next run open the new index.
    """
    from faqrag.index.build import BuildBusy, build_index
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    warnings: list[str] = []  # shown after the rerun, which clears the status box
    with st.sidebar.status("Rebuilding the index…", expanded=True) as status:
        try:  # one build of the index at a time, whoever starts it
            summary = build_index(
                corpus,
                index,
                SentenceTransformerEmbedder(model_id),
                log=lambda msg: status.text(public(msg, index, corpus)),
                warn=warnings.append,
                wait=False,
            )
        except BuildBusy:
            status.update(label="Another rebuild is running", state="error")
            st.sidebar.info("Another rebuild is running; try again in a moment.")
            return
        except FaqragError as err:
            status.update(label="Rebuild failed", state="error")
            st.sidebar.error(md_escape(public(str(err), index, corpus)))
            for warning in warnings:  # they may say why (which rows were left out)
                st.sidebar.warning(md_escape(public(warning, index, corpus)))
            return
        except Exception as err:
            log.exception("rebuild of %s failed", index)
            status.update(label="Rebuild failed", state="error")
            st.sidebar.error(md_escape(f"the rebuild failed ({type(err).__name__}); see the server log"))
            return
        status.update(label="Index rebuilt", state="complete")
    load_guide.clear()
    index_problem.clear()
    st.session_state["rebuilt"] = public(summary.line(), index, corpus)
    st.session_state["rebuild_warnings"] = [public(w, index, corpus) for w in warnings]
    st.rerun()


# -------------------------------------------------------------- question box


def ask(question: str | None = None) -> None:
    """Callback of the form and of every question button: what to answer on this run."""
    if question is not None:
        st.session_state[BOX] = question  # a clicked question also fills the box
    st.session_state[ASKED] = st.session_state.get(BOX, "")


def question_buttons(questions: list[str], prefix: str) -> None:
    with st.container(horizontal=True):
        for i, q in enumerate(questions):
            st.button(md_escape(q), key=f"{prefix}-{i}", on_click=ask, args=(q,))


def render_question_form(max_chars: int) -> None:
    # A form, so Enter in the box submits and typing does not rerun the page; the box
    # stops where the engine would refuse the question (the widget stops there too).
    with st.form("ask", border=False):
        box, go = st.columns([6, 1], vertical_alignment="bottom")
        box.text_input("Your question", key=BOX, placeholder="Type a question and press Enter", max_chars=max_chars)
        go.form_submit_button("Ask", type="primary", on_click=ask, width="stretch")


def render_examples(examples: list[str], asked: bool) -> None:
    """Under the box before the first question; once there is an answer, below it, so they never push it down."""
    if examples:
        st.caption("Other questions to try:" if asked else "Or try one of these:")
        question_buttons(examples, "example")


# ------------------------------------------------------------------ results


def render_answer(guide: Guide, resp: Response) -> None:
    a = resp.answer
    doc = guide.engine.stored.documents[a.doc]
    with st.container(border=True):
        if a.question_answered:  # an FAQ answer read without its question misleads ("Yes." to what?)
            st.html(as_html(f"Answers the question \u201c{a.question_answered}\u201d", cls="fq-source"))
        st.html(as_html(a.text, cls="fq-answer"))
        dated = f" (dated {doc.date})" if doc.date else ""
        st.html(as_html(f"Source: {a.source}{dated}", cls="fq-source"))
        # The label comes with the answer: where measured precision put it (settings.high_from, medium_from).
        st.text(f"Confidence: {resp.label} ({resp.confidence:.2f})")
        # One box for both cautions: the document's notice and the contact-details line say much the same.
        cautions = [md_escape(resp.notice)] if resp.notice else []
        if quotes_contact_details(a.text):
            cautions.append(CONTACT_SHORT if cautions else CONTACT_LINE)
        if cautions:
            st.warning("\n\n".join(cautions), icon="⚠️")
        with st.expander("Show the answer in its place in the guide"):
            s, e = a.span
            found = locate(doc.text, a.text, s, e) or (s, e)  # mark the answer itself when it is verbatim
            st.html(as_html(*excerpt(doc.text, found)))
        if a.url:
            st.link_button("Open the original page", a.url)


def render_abstention(resp: Response) -> None:
    st.warning(resp.reason or "The guide does not cover this question, so there is no answer to show.")
    if resp.suggestions:
        st.caption("Nearby topics the guide does cover:")
        question_buttons(resp.suggestions, "suggestion")
    render_handoff(resp.handoff)


def shown_apart(resp: Response, items: list, k: int | None = None) -> list:
    """FAQ entries or passages to list under the answer: not the one the answer card already shows."""
    answer_id = resp.answer.chunk_id if resp.answer is not None and not resp.abstained else None
    kept = [x for x in items if x.chunk_id != answer_id]
    return kept[:k] if k is not None else kept


def render_faq(resp: Response, show_scores: bool) -> list[str]:
    """The FAQ entries listed apart; their chunk ids, which are not listed again as passages."""
    faq = shown_apart(resp, resp.faq)
    if not faq:
        return []
    st.subheader("Closest FAQ entries" if resp.abstained else "Matching FAQ entries")
    for f in faq:
        with st.container(border=True):
            st.html(as_html(f.question, cls="fq-answer"))
            st.html(as_html(f.answer))
            st.html(as_html(f.source + (f"  ·  score {f.score:.2f}" if show_scores else ""), cls="fq-source"))
    return [f.chunk_id for f in faq]


def render_passages(guide: Guide, resp: Response, show_scores: bool, k: int, shown: list[str]) -> None:
    close, weaker = passages_to_list(resp, shown)
    close, weaker = close[:k], weaker[: max(0, k - len(close))]
    if resp.abstained and close:
        st.subheader("Closest passages")
        st.caption("None of these answers the question; they are only the nearest text in the guide.")
    elif close:
        st.subheader("Passages")
    render_passage_list(guide, close, show_scores, 1)
    if weaker:
        st.subheader("Weaker matches")
        st.caption("These score well below the answer; they are only nearby text in the guide.")
        render_passage_list(guide, weaker, show_scores, len(close) + 1)


def render_passage_list(guide: Guide, passages: list, show_scores: bool, first: int) -> None:
    documents = guide.engine.stored.documents
    for n, p in enumerate(passages, first):
        with st.container(border=True):
            score = f"  ·  score {p.score:.2f}" if show_scores else ""
            st.html(as_html(f"{n}. {p.source}{score}", cls="fq-source"))
            st.html(as_html(p.text, locate(p.text, p.highlight)))
            doc = documents[p.doc]
            s, e = guide.sections.get(p.chunk_id, tuple(p.span))
            hs, he = locate(doc.text, p.highlight, *p.span) or tuple(p.span)
            with st.expander("Show the full section"):
                st.html(as_html(doc.text[s:e], (hs - s, he - s)))


def render_result(guide: Guide, k: int, show_scores: bool) -> None:
    question = st.session_state.get(ASKED)
    if question is None:
        return
    if not question.strip():
        st.info("Type a question in the box above, or pick one of the examples below.")
        return
    try:
        resp = guide.engine.ask(question, k=k + 1)  # one spare: the answer's own passage is not listed again
    except FaqragError as err:
        st.error(md_escape(public(str(err))))
        return
    except Exception as err:  # our bug, not the user's: log it, show one line
        log.exception("answering %r failed", question)
        st.error(md_escape(f"something went wrong answering this question ({type(err).__name__}); see the server log"))
        return
    st.html(NO_INPUT_HINT)
    if resp.read_as:  # why an answer may be about a word the person did not type
        st.caption(md_escape(f"Read as: {resp.read_as}"))
    if resp.abstained:
        render_abstention(resp)
        render_feedback(guide, question, resp, ask=False)  # logged; "did this answer?" under no answer reads oddly
        # Hidden unless asked for: weak matches next to "not covered" read like an answer.
        show = bool(resp.passages or resp.faq) and st.toggle("Show the closest matches anyway", key="show_closest")
    else:
        render_answer(guide, resp)
        render_feedback(guide, question, resp)
        show = True
    if show:
        render_passages(guide, resp, show_scores, k, render_faq(resp, show_scores))
    st.caption(f"Answered in {resp.timings_ms.get('total', 0):.0f} ms.")


# ----------------------------------------------------------------- feedback


def render_feedback(guide: Guide, question: str, resp: Response, ask: bool = True) -> None:
    """Log the question once (a rerun re-answers it, it is not asked again) and,
    when ``ask``, ask whether the answer helped; stored against its log row."""
    settings = guide.engine.settings
    db = qlog.log_path(site().index, settings.log_questions)
    if db is None:
        return
    logged = st.session_state.get("logged")
    if not logged or logged[0] != question:
        logged = (question, qlog.log_answer(db, resp.question, resp, "page", qlog.retention(settings)))
        st.session_state["logged"] = logged
    qid = logged[1]
    if qid is None or not ask:  # None: the log could not be written; the server log says why
        return
    if f"feedback-{qid}" in st.session_state:
        st.caption("Thanks, your feedback was noted.")
        if st.session_state[f"feedback-{qid}"] is False:
            render_handoff(resp.handoff)  # the answer did not help: the way to a person
        return

    def give(helpful: bool) -> None:
        st.session_state[f"feedback-{qid}"] = helpful
        try:  # a "No" is shown the way to a person, logged as a hand-off
            qlog.record_feedback(db, qid, helpful, qlog.handoff_target(resp))
        except FaqragError as err:
            log.warning("feedback not stored: %s", err)

    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption("Did this answer your question?", width="content")
        st.button("Yes", key="helpful-yes", on_click=give, args=(True,))
        st.button("No", key="helpful-no", on_click=give, args=(False,))


def main() -> None:
    st.set_page_config(page_title="Ask the guide", page_icon="💬")
    st.html(CSS)
    s = site()
    index, corpus = s.index, s.corpus
    guide, problem = open_guide(index, s.settings)
    k, show_scores = render_sidebar(guide, index, corpus)
    st.title("Ask the guide")
    if guide is None:
        st.error(md_escape(f"The guide cannot be opened: {problem}."))
        return
    titles = sorted({d.title for d in guide.engine.stored.documents.values()})
    st.text("Answers come only from: " + "; ".join(titles))
    render_question_form(guide.engine.settings.max_question_chars)
    asked = st.session_state.get(ASKED) is not None
    if not asked:
        render_examples(guide.examples, asked)
    render_result(guide, k, show_scores)
    if asked:
        render_examples(guide.examples, asked)


def run() -> None:
    try:
        main()
    except Exception as err:  # last resort: one line on the page, the traceback in the server log
        log.exception("the page failed")
        st.error(md_escape(f"Something went wrong ({type(err).__name__}); see the server log."))


if __name__ == "__main__":  # Streamlit runs this file as __main__; tests import the helpers
    # Named pages: without st.navigation the sidebar would call this one "app".
    st.navigation(
        [
            st.Page(run, title="Ask the guide", icon=":material/chat:", default=True),
            st.Page(
                HERE / "app_pages" / "review.py", title="Review questions", icon=":material/rule:", url_path="review"
            ),
        ]
    ).run()
