"""A synthetic help guide of any size, for build benchmarks.

Each section mimics the real guide's shapes (a prose paragraph, a step list, a
regional directory with shared hours, an FAQ pair) with words drawn from small
vocabularies by a seeded generator, so every chunk's text is distinct (the
build de-duplicates identical views) and every run makes the same corpus.
"""

from __future__ import annotations

import random
from pathlib import Path

NOUNS = "account card order refund parcel voucher invoice password device widget booking subscription".split()
VERBS = "reset renew cancel track register update transfer verify replace activate".split()
ADJ = "missing delayed damaged expired locked duplicate pending partial foreign urgent".split()
PLACES = "Riverton Lakeside Bayview Hillcrest Oakham Fairport Westbury Northgate Elmwood Stonebridge".split()
DAYS = ["Mon-Fri", "Mon-Sat", "Tue-Sat", "every day"]


def section(i: int, rng: random.Random) -> str:
    n, v, a = rng.choice(NOUNS), rng.choice(VERBS), rng.choice(ADJ)
    p1, p2 = rng.sample(PLACES, 2)
    h1, h2 = rng.randint(7, 10), rng.randint(4, 8)
    return f"""Topic {i}: {a.title()} {n.title()} Help

If your {n} is {a}, our team in {p1} can usually {v} it within {rng.randint(2, 9)} working days of case {i}. \
Keep the reference {i:06d} to hand when you write, because it lets an adviser find the {n} at once. \
Most {a} {n} cases in the {p2} area are settled on the first contact, and the rest within {rng.randint(2, 5)} weeks.

To {v} a {a} {n} ({i}), do the following:

- Sign in and open the {n} page for case {i}
- Choose "{v.title()}" and confirm the {rng.randint(4, 8)}-digit code
- Keep the receipt number {rng.randint(1000, 9999)}-{i} for your records

Contacts for Topic {i}

{p1} desk {i}: 555-{rng.randint(1000, 9999)}
{p2} desk {i}: 555-{rng.randint(1000, 9999)}
Hours: {rng.choice(DAYS)} {h1} a.m.-{h2} p.m. local time

Can I {v} my {n} online for case {i}?

Yes, a {a} {n} can be handled online in about {rng.randint(5, 30)} minutes; case {i} needs the reference above.

"""


def write_corpus(folder: Path, sections: int, per_file: int = 500, seed: int = 7) -> Path:
    """Write ``sections`` sections into guide files of ``per_file`` sections each."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for f, start in enumerate(range(0, sections, per_file)):
        body = "".join(section(i, rng) for i in range(start, min(sections, start + per_file)))
        (folder / f"guide-{f:04d}.txt").write_text(f"Synthetic Help Centre {f}\n\n{body}", encoding="utf-8")
    return folder
