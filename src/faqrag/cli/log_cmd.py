"""``faqrag log``: recently asked questions with their answers and feedback."""

from __future__ import annotations

from faqrag import env
from faqrag.limits import CONTROL, dumps


def cmd_log(args) -> int:
    from faqrag.learn import qlog

    db = qlog.log_path(args.index)
    if db is None:
        raise qlog.LogError(f"question logging is off ({env.LOG}={env.log_setting()}); unset it to log")
    rows = qlog.recent(db, args.limit, declined=args.declined, unhelpful=args.unhelpful, weak=args.weak)
    if args.json:
        for r in rows:
            print(dumps(r.to_dict()))
        return 0
    if not rows:
        print(f"no questions logged in {db} match")
        return 0
    for r in rows:
        said = "declined" if r.abstained else f"{r.confidence:.2f} {CONTROL.sub(' ', r.source or '')}"
        helped = {None: "", True: "  [helpful]", False: "  [unhelpful]"}[r.helpful]
        handed = "  [handed off]" if r.handed_off else ""
        print(f"{r.id:>6}  {r.asked_at}  {r.channel:<4}  {CONTROL.sub(' ', ' '.join(r.question.split()))[:100]}")
        print(f"        -> {said}{helped}{handed}")
        for why in r.weak:  # an answer given with confidence that may still be wrong
            print(f"        ?  {CONTROL.sub(' ', why)[:160]}")
    return 0
