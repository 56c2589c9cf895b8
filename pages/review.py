"""Review page for the guide's maintainers: what the guide failed to answer,
grouped by meaning, and one decision per group (link it to an existing answer,
write a new FAQ entry, or mark it not covered). See faqrag/review.py.

Off unless FAQRAG_ADMIN_PASSWORD is set in the server's environment; then the
password is asked for. FAQRAG_INDEX / FAQRAG_CORPUS as for the main page;
FAQRAG_REVIEWED is the labelled set reviews are written to (default
eval/reviewed.jsonl) and FAQRAG_SETS the labelled sets checked before an
index is swapped in (default eval/sets.json).
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from faqrag import env
from faqrag.engine import Engine
from faqrag.errors import FaqragError
from faqrag.learn import qlog, review, staging
from faqrag.page import load_guide, md_escape, password_ok, site
from faqrag.text import truncate

SHOWN_GROUPS = 20
SHOWN_MEMBERS = 10  # a page of decisions; the rest come up as these are done
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


def reasons(q: qlog.Logged) -> str:
    if q.abstained:
        why = "declined"
    elif q.confidence < qlog.LOW_CONFIDENCE:
        why = f"low confidence {q.confidence:.2f}"
    else:
        why = f"answered {q.confidence:.2f}"
    return why + (", marked unhelpful" if q.helpful is False else "")


def done(message: str) -> None:
    st.session_state["review_done"] = message


def decide(action, message: str) -> None:
    """Write a review decision: said on the next drawing, or its one-line error now
    (a torn or linked-away file), and the page goes on drawing."""
    try:
        action()
    except FaqragError as err:
        st.error(md_escape(str(err)))
        return
    done(message)
    st.rerun()


def render_group(n: int, g: review.Group, engine: Engine, p: dict[str, Path]) -> None:
    lead = g.lead
    with st.container(border=True):
        st.subheader(md_escape(f"{len(g.items)} × {truncate(lead.question, 120)}"))
        # Grouping is a guess: each question can be left out of this group's decision
        # (it comes back in a later group).
        chosen = [
            q
            for q in g.items[:SHOWN_MEMBERS]
            if st.checkbox(
                md_escape(f"{truncate(q.question, 200)}  ({reasons(q)})"), value=True, key=f"pick-{lead.id}-{q.id}"
            )
        ] + list(g.items[SHOWN_MEMBERS:])
        if len(g.items) > SHOWN_MEMBERS:
            st.caption(f"and {len(g.items) - SHOWN_MEMBERS} more, included")
        if not chosen:
            st.caption("Tick at least one question to decide on.")
            return
        try:
            resp = engine.ask(lead.question, k=3)
        except FaqragError as err:
            st.error(md_escape(str(err)))
            return
        by_id = {c.id: c for c in engine.stored.chunks}
        options = list(
            dict.fromkeys([*([resp.answer.chunk_id] if resp.answer else []), *(x.chunk_id for x in resp.passages)])
        )
        options = [o for o in options if o in by_id]
        labels = {x.chunk_id: f"{x.source}: {truncate(' '.join(x.text.split()), 160)}" for x in resp.passages}
        if resp.answer:
            labels[resp.answer.chunk_id] = f"{resp.answer.source}: {truncate(' '.join(resp.answer.text.split()), 160)}"
        key = lead.id
        if options:
            choice = st.radio(
                "Closest existing answers",
                options,
                format_func=lambda o: md_escape(labels.get(o, o)),
                key=f"target-{key}",
            )
            if st.button("Link these questions to this answer", key=f"link-{key}"):
                chunk = by_id[choice]
                title = engine.stored.documents[chunk.doc].title
                decide(
                    lambda: review.link(
                        p["corpus"], p["reviewed"], chosen, chunk, engine.stored.chunks, title, p["log"]
                    ),
                    f"Linked {len(chosen)} question(s) to {review.alternates.head_of(chunk, title)}; apply reviews to use them.",
                )
        with st.expander("Write a new FAQ entry instead"):
            q = st.text_input("Question", value=lead.question, key=f"newq-{key}")
            a = st.text_area("Answer", key=f"newa-{key}")
            if st.button("Add this entry", key=f"new-{key}"):
                decide(
                    lambda: review.new_entry(p["corpus"], p["reviewed"], chosen, q, a, p["log"]),
                    f"Added a new FAQ entry to {review.REVIEWED_FAQ}. Apply reviews to use it.",
                )
        if st.button("Not covered by the guide", key=f"notcov-{key}"):
            decide(
                lambda: review.not_covered(p["reviewed"], chosen, p["log"]),
                f"Marked {len(chosen)} question(s) not covered.",
            )


def main() -> None:
    st.set_page_config(page_title="Review questions", page_icon="🗂️")
    st.title("Review questions")
    if not signed_in():
        return
    p = paths()
    if p["log"] is None:
        st.info(f"Question logging is off ({qlog.ENV}=off), so there is nothing to review.")
        return
    if msg := st.session_state.pop("review_done", None):
        st.success(md_escape(msg))
    try:
        stamp = (p["index"] / "manifest.json").stat().st_mtime_ns
    except OSError:
        stamp = 0
    try:
        engine = load_guide(str(p["index"].resolve()), stamp).engine  # the same engine the main page uses
        items = review.queue(p["log"]) if p["log"].exists() else []
    except FaqragError as err:
        st.error(md_escape(str(err)))
        return
    if not items:
        st.info("Nothing to review: no declined, low-confidence or unhelpful questions are waiting.")
    else:
        groups = review.group(items, engine.embedder)
        st.caption(
            f"{len(items)} question(s) to review in {len(groups)} group(s), largest first: "
            "declined, answered with low confidence, or marked unhelpful."
        )
        for n, g in enumerate(groups[:SHOWN_GROUPS]):
            render_group(n, g, engine, p)
    render_apply(engine, p)


def pct(x) -> str:
    return "-" if x is None else f"{x * 100:.1f}%"


def render_apply(engine: Engine, p: dict[str, Path]) -> None:
    """Rebuild with the reviews into a staging folder, show what changed, swap on confirm."""
    st.header("Apply reviews")
    staged = st.session_state.get("staged")
    if staged is None:
        st.caption(
            "Rebuilds the index with the reviews so far beside the live one, and answers every labelled "
            "set of this corpus with both before anything changes."
        )
        if st.button("Apply reviews", key="apply"):
            with st.status("Rebuilding and checking…", expanded=True) as status:
                try:
                    staged = staging.stage(
                        p["corpus"],
                        p["index"],
                        engine.embedder,
                        sets_path=p["sets"],
                        reviewed_path=p["reviewed"],
                        settings=engine.settings,
                        log=status.text,
                    )
                except FaqragError as err:
                    status.update(label="Apply failed", state="error")
                    st.error(md_escape(str(err)))
                    return
            st.session_state["staged"] = staged
            st.rerun()
        return
    st.text(staged.summary.line())
    if not staged.trials:
        st.caption("No labelled set of this corpus to check against: review some questions first.")
    for t in staged.trials:
        b, a = t.before, t.after
        st.text(
            f"{t.name} ({t.questions} questions): answer right {pct(b.get('answer_right'))} -> "
            f"{pct(a.get('answer_right'))}; uncovered declined {pct(b.get('uncovered_declined'))} -> "
            f"{pct(a.get('uncovered_declined'))}; covered declined {pct(b.get('covered_declined'))} -> "
            f"{pct(a.get('covered_declined'))}\n"
            f"  better: {', '.join(t.better) or 'none'}\n  worse: {', '.join(t.worse) or 'none'}"
        )
    swap, drop = st.columns(2)
    if swap.button("Swap in the new index", key="swap", type="primary"):
        staging.swap_in(staged.folder, p["index"])
        del st.session_state["staged"]
        load_guide.clear()
        done("The new index is live.")
        st.rerun()
    if drop.button("Discard it", key="discard"):
        staging.discard(staged.folder)
        del st.session_state["staged"]
        st.rerun()


try:
    main()
except Exception as err:  # one line on the page, the traceback in the server log
    log.exception("the review page failed")
    st.error(f"Something went wrong ({type(err).__name__}); see the server log.")
