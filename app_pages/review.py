"""Review page for the guide's maintainers: what the guide failed to answer, and
what it answered with weak support, grouped by meaning, with one decision per
group (link it to an existing answer, write a new FAQ entry, or mark it not
covered); "Apply reviews" checks the next index before it goes live, and every
decision can be undone. See faqrag/learn/review.py.

Off unless FAQRAG_ADMIN_PASSWORD is set in the server's environment; then the
password is asked for. FAQRAG_INDEX / FAQRAG_CORPUS / FAQRAG_SETTINGS as for the
main page; FAQRAG_REVIEWED is the labelled set reviews are written to (default
eval/reviewed.jsonl) and FAQRAG_SETS the labelled sets checked before an index
is swapped in (default eval/sets.json).

Kept out of a folder named ``pages``: Streamlit would run a script there by
itself on a first visit to its address, without app.py's navigation.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from faqrag import env
from faqrag.engine import Engine
from faqrag.errors import FaqragError
from faqrag.evaluation.questions import load_questions
from faqrag.learn import calibrate, collection, decisions, qlog, review, staging
from faqrag.page import CSS, as_html, load_guide, md_escape, open_guide, password_ok, public, render_index_facts, site
from faqrag.text import truncate

SHOWN_GROUPS = 20
SHOWN_MEMBERS = 10  # a page of decisions; the rest come up as these are done
SHOWN_DECISIONS = 30
ORDERS = ("Most asked first", "Newest first")
log = logging.getLogger("faqrag.review_page")


def paths() -> dict[str, Path]:
    s = site()
    return {"index": s.index, "corpus": s.corpus, "reviewed": s.reviewed, "sets": s.sets, "log": qlog.log_path(s.index)}


def signed_in() -> bool:
    if not env.admin_password():
        st.info(
            f"The review page is off. To turn it on, set {env.ADMIN_PASSWORD} in the environment of the server "
            "(for example `FAQRAG_ADMIN_PASSWORD=... make run`) and reload this page."
        )
        return False
    if st.session_state.get("admin_ok"):
        return True
    typed = st.text_input("Maintainer password", type="password", key="admin_password")
    if typed and password_ok(typed):
        st.session_state["admin_ok"] = True
        st.rerun()  # drawn again without the password box
    if typed:
        st.error("That is not the password.")
    return False


def for_page(message: str, p: dict[str, Path]) -> str:
    """A message with none of the server's paths in it (page.public), for the page."""
    return public(message, p["index"], p["corpus"], p["reviewed"].parent, p["sets"].parent)


def show_error(err: Exception, p: dict[str, Path]) -> None:
    st.error(md_escape(for_page(str(err), p)))


def done(message: str) -> None:
    """Said where the maintainer is looking (a toast) and at the top after the rerun."""
    st.session_state["review_done"] = message


# ------------------------------------------------------------------ groups


def render_group(g: review.Group, engine: Engine, p: dict[str, Path]) -> None:
    lead = g.lead
    with st.container(border=True):
        st.subheader(md_escape(f"{len(g.items)} × {truncate(lead.question, 120)}"))
        # Grouping is a guess: each question can be left out of this group's decision
        # (it comes back in a later group).
        asked = g.asked  # one box per question text, however often it was asked
        chosen = []
        for same in asked[:SHOWN_MEMBERS]:
            label = md_escape(f"{truncate(same[0].question, 200)}  ({review.why_queued(same)})")
            if st.checkbox(label, value=True, key=f"pick-{lead.id}-{same[0].id}"):
                chosen += same
        chosen += [q for same in asked[SHOWN_MEMBERS:] for q in same]  # not shown: included
        if len(asked) > SHOWN_MEMBERS:
            st.caption(f"and {len(asked) - SHOWN_MEMBERS} more, included")
        weak = list(dict.fromkeys(w for q in g.items for w in q.weak))
        if weak:
            st.caption(md_escape("Why the answer may be wrong: " + "; ".join(weak[:3])))
            if lead.answer:
                st.html(as_html(f"Answered: {truncate(lead.answer, 200)}  ({lead.source or ''})", cls="fq-source"))
        if not chosen:
            st.caption("Tick at least one question to decide on.")
            return
        try:
            resp = engine.ask(lead.question, k=3)
        except FaqragError as err:
            show_error(err, p)
            return
        render_link(g, chosen, resp, engine, p)
        render_new_entry(g, chosen, engine, p)
        if st.button("Not covered by the guide", key=f"notcov-{lead.id}"):
            decide(
                lambda: review.not_covered(p["reviewed"], chosen, p["log"]),
                f"Marked {len(chosen)} question(s) not covered.",
                p,
            )


def decide(action, message: str, p: dict[str, Path]) -> None:
    """Write a review decision: said on the next drawing, or its one-line error now
    (a torn or linked-away file), and the page goes on drawing."""
    try:
        action()
    except FaqragError as err:
        show_error(err, p)
        return
    done(message)
    st.rerun()


def render_link(g: review.Group, chosen: list, resp, engine: Engine, p: dict[str, Path]) -> None:
    by_id = {c.id: c for c in engine.stored.chunks}
    answer = resp.answer if resp.answer is not None and not resp.abstained else None
    labels = {x.chunk_id: f"{x.source}: {truncate(' '.join(x.text.split()), 160)}" for x in resp.passages}
    if resp.answer:
        labels[resp.answer.chunk_id] = f"{resp.answer.source}: {truncate(' '.join(resp.answer.text.split()), 160)}"
    options = [o for o in dict.fromkeys([*([resp.answer.chunk_id] if resp.answer else []), *labels]) if o in by_id]
    if not options:
        return
    # Pre-selected only when the group's questions are close to it: a default must not act for the maintainer.
    pre = review.preselect(g, answer.chunk_id if answer else None, engine)
    key = g.lead.id
    choice = st.radio(
        "Closest existing answers",
        options,
        index=options.index(pre) if pre in options else None,
        format_func=lambda o: md_escape(labels.get(o, o)),
        key=f"target-{key}",
    )
    if st.button("Link these questions to this answer", key=f"link-{key}", disabled=choice is None):
        chunk = by_id[choice]
        title = engine.stored.documents[chunk.doc].title
        head = review.alternates.head_of(chunk, title)
        decide(
            lambda: review.link(p["corpus"], p["reviewed"], chosen, chunk, engine.stored.chunks, title, p["log"]),
            f"Linked {len(chosen)} question(s) to {head}; apply reviews to use them.",
            p,
        )


def fill(key: str, text: str) -> None:
    st.session_state[key] = text


def render_new_entry(g: review.Group, chosen: list, engine: Engine, p: dict[str, Path]) -> None:
    key = g.lead.id
    with st.expander("Write a new FAQ entry instead"):
        # Empty, not pre-filled: a visitor's wording is a start, which the maintainer takes when wanted.
        st.button("Start from the visitor's question", key=f"usevisitor-{key}", on_click=fill,
                  args=(f"newq-{key}", g.lead.question))  # fmt: skip
        q = st.text_input("Question", key=f"newq-{key}", placeholder=truncate(g.lead.question, 100))
        a = st.text_area("Answer", key=f"newa-{key}")
        ready = bool(q.strip() and a.strip())
        if ready:
            render_preview(q, a, engine, p)
        if st.button("Add this entry", key=f"new-{key}", disabled=not ready):
            try:
                review.new_entry(p["corpus"], p["reviewed"], chosen, q, a, p["log"])
            except FaqragError as err:
                show_error(err, p)
            else:
                done(f"Added a new FAQ entry to {collection.title(p['corpus'])}. Apply reviews to use it.")
                st.rerun()


def render_preview(question: str, answer: str, engine: Engine, p: dict[str, Path]) -> None:
    """The entry as a visitor asking it in other words will see it on the answer card."""
    st.caption("As visitors will see it:")
    shown = " ".join(answer.split())
    with st.container(border=True):
        st.html(as_html(f"Answers the question \u201c{' '.join(question.split())}\u201d", cls="fq-source"))
        st.html(as_html(truncate(shown, engine.settings.max_answer_chars), cls="fq-answer"))
        st.html(as_html(f"Source: {collection.title(p['corpus'])}", cls="fq-source"))
    if len(shown) > engine.settings.max_answer_chars:
        st.caption(f"Longer than {engine.settings.max_answer_chars} characters: visitors see its start.")


# Every click draws the page again; grouping embeds the whole queue, so it is kept for
# the queue's content (and the model) and done again only when the queue changes.
@st.cache_data(max_entries=4, show_spinner="Grouping the questions…")
def grouped(members: tuple[qlog.Logged, ...], model: dict, _embedder) -> list[review.Group]:
    return review.group(members, _embedder)


def render_queue(engine: Engine, p: dict[str, Path]) -> None:
    items = review.queue(p["log"]) if p["log"].exists() else []
    if not items:
        st.info("Nothing to review: no declined, low-confidence, unhelpful or weakly supported answers are waiting.")
        return
    order = st.radio("Order the groups", ORDERS, horizontal=True, key="order")
    failed = [q for q in items if not review.weakly_supported(q)]
    weak = [q for q in items if review.weakly_supported(q)]
    for title, caption, members in (
        ("Not answered well", "declined, answered with low confidence, or marked unhelpful", failed),
        (
            "Answered, but weakly supported",
            "answered with confidence, but the question names something the answer lacks, another answer "
            "scored about as high, or a place was answered with another place's details",
            weak,
        ),
    ):
        if not members:
            continue
        groups = grouped(tuple(members), engine.stored.manifest["model"], engine.embedder)
        if order == ORDERS[1]:
            groups = review.newest_first(groups)
        st.header(title)
        st.caption(f"{len(members)} question(s) in {len(groups)} group(s): {caption}.")
        for g in groups[:SHOWN_GROUPS]:
            render_group(g, engine, p)


# ------------------------------------------------------------------- apply


def render_calibration(p: dict[str, Path]) -> None:
    """How far the reviewed questions are from what `faqrag tune` needs."""
    try:
        qs = load_questions(p["reviewed"]) if p["reviewed"].is_file() and p["reviewed"].stat().st_size else []
    except FaqragError as err:
        st.warning(md_escape(for_page(str(err), p)))
        return
    covered = sum(q.covered for q in qs)
    uncovered = len(qs) - covered
    need_c, need_u = max(0, calibrate.MIN_COVERED - covered), max(0, calibrate.MIN_UNCOVERED - uncovered)
    if need_c or need_u:
        st.caption(
            f"Calibrating the decline threshold on this corpus ('faqrag tune') needs {need_c} more covered and "
            f"{need_u} more not-covered reviewed question(s): there are {covered} and {uncovered} so far."
        )
    else:
        st.caption(
            f"{covered} covered and {uncovered} not-covered reviewed questions: enough to calibrate the decline "
            "threshold ('faqrag tune --dry-run' shows what it would do)."
        )


def render_apply(engine: Engine, p: dict[str, Path]) -> None:
    """Rebuild with the reviews into a staging folder, show what changed, swap on confirm."""
    st.header("Apply reviews")
    render_calibration(p)
    if applied := st.session_state.get("applied"):  # the result stays here, where the button was
        st.success(applied[0])
        st.text(applied[1])
    if failed := st.session_state.pop("apply_failed", None):
        st.error(md_escape(failed))
    staged = st.session_state.get("staged")
    if staged is None:
        st.caption(
            "Rebuilds the index with the reviews so far beside the live one, and answers every labelled "
            "set of this corpus with both before anything changes."
        )
        if st.button("Apply reviews", key="apply"):
            st.session_state.pop("applied", None)
            failed = None
            with st.status("Rebuilding and checking…", expanded=True) as status:
                try:
                    staged = staging.stage(
                        p["corpus"],
                        p["index"],
                        engine.embedder,
                        sets_path=p["sets"],
                        reviewed_path=p["reviewed"],
                        settings=engine.settings,
                        log=lambda m: status.text(for_page(m, p)),
                    )
                except FaqragError as err:
                    failed = err
                    status.update(label="Apply failed", state="error")
            if failed is not None:
                show_error(failed, p)  # in plain sight, not inside the collapsed status
                return
            st.session_state["staged"] = staged
            st.rerun()
        return
    render_staged(staged, p)


def render_staged(staged: staging.Staged, p: dict[str, Path]) -> None:
    """What the staged index changed, and the choice: swap it in or discard it."""
    report = staging.report(staged)
    st.text(report)
    if not staged.trials:
        st.caption("No labelled set of this corpus to check against: review some questions first.")
    swap, drop = st.columns(2)
    if swap.button("Swap in the new index", key="swap", type="primary"):
        del st.session_state["staged"]  # done with either way: one refused (replaced, gone) cannot go live from here
        try:
            staging.swap_in(staged, p["index"])
        except FaqragError as err:
            st.session_state["apply_failed"] = for_page(str(err), p)
        else:
            load_guide.clear()
            st.session_state["applied"] = ("The new index is live.", report)
            st.toast("The new index is live.")
        st.rerun()
    if drop.button("Discard it", key="discard"):
        del st.session_state["staged"]
        try:
            staging.discard(staged, p["index"])
        except FaqragError as err:  # a build is running (it removes the staged index when done)
            st.session_state["apply_failed"] = for_page(str(err), p)
        else:
            st.session_state["applied"] = ("The staged index was discarded; the live one is unchanged.", "")
        st.rerun()


# ---------------------------------------------------------------- decisions


def render_decisions(engine: Engine, p: dict[str, Path]) -> None:
    st.header("Reviews so far")
    listed = decisions.listed(p["log"], SHOWN_DECISIONS)
    if not listed:
        st.caption("No reviews yet. Each one you make is listed here, and can be undone.")
        return
    st.caption(
        "Undo takes out what a review wrote (its links or FAQ entry, and its labelled questions) and puts its "
        "questions back in the queue; apply reviews afterwards to rebuild and check the index without it."
    )
    for d, live in zip(listed, review.in_index(listed, engine.stored.chunks)):
        with st.container(border=True):
            text, button = st.columns([6, 1], vertical_alignment="center")
            state = "live" if live else "not applied yet"
            text.markdown(
                md_escape(f"{review.describe(d)} ({d.decided_at.replace('T', ' ').replace('Z', ' UTC')}, {state})")
            )
            text.caption(md_escape("; ".join(truncate(q, 80) for q in review.distinct(d.questions)[:5])))
            if button.button("Undo", key=f"undo-{d.id}"):
                try:
                    left = review.undo(p["log"], d.id, p["corpus"], p["reviewed"])
                except FaqragError as err:
                    show_error(err, p)
                else:
                    done(
                        f"Undone: {review.describe(d)}. Apply reviews to rebuild the index without it and check."
                        + "".join(f" But {note}." for note in left)
                    )
                    st.rerun()


def main() -> None:
    st.set_page_config(page_title="Review questions", page_icon="🗂️")
    st.html(CSS)
    s = site()
    guide, problem = open_guide(s.index, s.settings)
    render_index_facts(guide)
    st.title("Review questions")
    if not signed_in():
        return
    p = paths()
    if p["log"] is None:
        st.info(f"Question logging is off ({qlog.ENV}=off), so there is nothing to review.")
        return
    if msg := st.session_state.pop("review_done", None):
        st.toast(md_escape(msg))
        st.success(md_escape(msg))
    if guide is None:
        st.error(md_escape(f"The guide cannot be opened: {problem}."))
        return
    try:
        render_queue(guide.engine, p)
    except FaqragError as err:
        show_error(err, p)
        return
    render_apply(guide.engine, p)
    render_decisions(guide.engine, p)


try:
    main()
except Exception as err:  # one line on the page, the traceback in the server log
    log.exception("the review page failed")
    st.error(f"Something went wrong ({type(err).__name__}); see the server log.")
