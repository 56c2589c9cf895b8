"""Markdown as documentation generators write it reads as its rendered page; code and offsets stay as written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from faqrag.ingest.markdown_prep import prepare
from faqrag.ingest.parse import parse_guide

REALDOCS = Path(__file__).resolve().parents[1] / "eval" / "realdocs"
MARKERS = ("!!!", "???", ":::", "///", "[!NOTE]", "[!TIP]", "[!WARNING]", "===", "<!--", "-->", "{%", "{{", "{#", "{:")


def flat(md: str):
    _, blocks = parse_guide(md, markdown=True)
    return [m for b in blocks for m in (b.members or (b,))]


def shown(md: str) -> str:
    """Everything the blocks would show, one string."""
    return "\n".join(
        "\n".join(filter(None, (b.question, b.lead, b.text, *b.items, *b.context, " > ".join(b.trail))))
        for b in flat(md)
    )


def test_prepare_keeps_every_offset():
    texts = [p.read_text(encoding="utf-8") for p in sorted(REALDOCS.glob("*/*.md"))]
    texts += [ADMONITIONS[0][0], TABS_MKDOCS, DEFINITIONS, "a\r\nTerm\r\n: def\r\n"]
    assert len(texts) > 5
    for text in texts:
        out = prepare(text)
        assert len(out) == len(text)
        # Only a definition list's line break may change (into its colon); no line break appears.
        assert set(i for i, c in enumerate(out) if c == "\n") <= set(i for i, c in enumerate(text) if c == "\n")


ADMONITIONS = [
    ("!!! note\n\n    Keep your key secret.\n\nAfter the note.\n", "Keep your key secret.", None),
    ('!!! warning "Before you start"\n\n    Back up your data.\n', "Back up your data.", "Before you start:"),
    ('??? question "How do I reset it?"\n\n    Hold the button for ten seconds.\n', None, "How do I reset it?"),
    ('???+ tip "Faster builds"\n    Use the cache.\n', "Use the cache.", "Faster builds:"),
    (":::tip\n\nKeep your key secret.\n\n:::\n", "Keep your key secret.", None),
    (":::note[Before you start]\n\nBack up your data.\n\n:::\n", "Back up your data.", "Before you start:"),
    (":::caution Take care\n\nBack up your data.\n\n:::\n", "Back up your data.", "Take care:"),
    ("::::info\n\nOuter text here.\n\n:::tip\n\nInner text.\n\n:::\n\n::::\n", "Inner text.", None),
    ("> [!NOTE]\n> Keep your key secret.\n", "Keep your key secret.", None),
    ("> [!WARNING]\n> Back up your data first.\n\nThen install.\n", "Back up your data first.", None),
    ("/// note | Before you start\n\nBack up your data.\n\n///\n", "Back up your data.", "Before you start:"),
]


@pytest.mark.parametrize("md, body, title", ADMONITIONS)
def test_admonitions_in_every_syntax_keep_their_words_not_their_markers(md, body, title):
    text = shown("# Guide\n\n" + md)
    if body:
        assert body in text
    if title:
        assert title in text
    assert not any(m in text for m in MARKERS), text
    for word in ("note", "tip", "warning", "caution", "info", "question"):
        assert word not in text.lower().split(), text  # the type alone is no content ("Info" as an answer)


def test_a_question_titled_admonition_is_an_faq_pair():
    (faq,) = [b for b in flat("# Guide\n\n" + ADMONITIONS[2][0]) if b.kind == "faq"]
    assert (faq.question, faq.text) == ("How do I reset it?", "Hold the button for ten seconds.")


TABS_MKDOCS = '## Install\n\n=== "macOS"\n\n    ```\n    brew install tool\n    ```\n\n=== "Linux"\n\n    ```sh\n    apt install tool\n    ```\n'
TABS_MDX = (
    "import Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n\n## Install\n\n<Tabs>\n"
    '<TabItem value="mac" label="macOS">\n\n```\nbrew install tool\n```\n\n</TabItem>\n'
    '<TabItem value="linux">\n\n```\napt install tool\n```\n\n</TabItem>\n</Tabs>\n'
)


@pytest.mark.parametrize("md, second", [(TABS_MKDOCS, "Linux:"), (TABS_MDX, "linux:")])
def test_tab_labels_lead_their_code(md, second):
    code = [b for b in flat(md) if b.kind == "code"]
    assert [(b.lead, b.text) for b in code] == [("macOS:", "brew install tool"), (second, "apt install tool")]
    assert "import" not in shown(md)


@pytest.mark.parametrize(
    "md, expect",
    [
        (
            "<details>\n<summary>Show the config</summary>\n\n```\na = 1\n```\n\n</details>\n",
            ("code", "Show the config:"),
        ),
        (
            "<details><summary>Why is it slow?</summary>\n\nIt indexes first.\n\n</details>\n",
            ("faq", "Why is it slow?"),
        ),
    ],
)
def test_details_summary_leads_or_asks(md, expect):
    (b,) = [b for b in flat("# G\n\n" + md) if b.kind == expect[0]]
    assert (b.lead or b.question) == expect[1]
    assert "<" not in shown("# G\n\n" + md)


@pytest.mark.parametrize(
    "md, kept, gone",
    [
        ("Before <!-- hidden --> after.\n", "Before after.", "hidden"),
        ("Text here.\n\n<!--\nhidden\nlines\n-->\n\nMore text.\n", "More text.", "hidden"),
        ("Install with pip <small>recommended</small> today.\n", "Install with pip recommended today.", "small"),
        ("Press <kbd>Ctrl</kbd>+<kbd>C</kbd> to stop.\n", "Press Ctrl+C to stop.", "kbd"),
        ('<a id="billing"></a>\n\nBilling is monthly.\n', "Billing is monthly.", 'billing"'),
        (
            "Read [the guide][g] and [pip][].\n\n[g]: https://x.example/g\n[pip]: https://pip.example\n",
            "Read the guide and pip.",
            "https",
        ),
        ("See [MkDocs] for more.\n\n  [MkDocs]: https://www.mkdocs.org\n", "See MkDocs for more.", "mkdocs.org"),
        ("A note [in brackets] stays.\n", "A note [in brackets] stays.", "\x1f"),
        ("The site is at {{ site.url }} now.\n", "The site is at now.", "site.url"),
        ("{% include note.html %}\nCall us any day.\n", "Call us any day.", "include"),
        ('{{< figure src="a.png" >}}\nCall us any day.\n', "Call us any day.", "figure"),
        (
            "Open the menu.\n\n![Screenshot of the menu](img/menu.png)\n\nThen tap Save.\n",
            "Then tap Save.",
            "Screenshot",
        ),
        ("[![Build status](https://x/badge.svg)](https://x/ci) Fast builds.\n", "Fast builds.", "badge"),
        ('Watch it :fontawesome-brands-youtube:{ style="color: red" } here.\n', "Watch it here.", "youtube"),
        ("Replace {username} with yours.\n", "Replace {username} with yours.", "\x1f"),
        ("It started in 2016.[^1]\n\n[^1]: As a theme.\n", "It started in 2016.", "[^1]"),
        ("*[HTML]: Hyper Text Markup Language\n\nHTML pages load fast.\n", "HTML pages load fast.", "Hyper"),
        (
            "On this page:\n\n* [Plans](#plans)\n* [Billing](#billing)\n\nPlans are monthly.\n",
            "Plans are monthly.",
            "#billing",
        ),
    ],
)
def test_inline_syntax_reads_as_rendered(md, kept, gone):
    text = shown("# G\n\n" + md)
    assert kept in text
    assert gone not in text


@pytest.mark.parametrize(
    "md, heading",
    [
        ("## Install {#install}\n\nText.\n", "Install"),
        (
            '## With pip <small>recommended</small> { #with-pip data-toc-label="pip" }\n\nText.\n',
            "With pip recommended",
        ),
        ("## Plans {: .wide }\n\nText.\n", "Plans"),
        ("Plans\n-----\n{: #plans }\n\nText.\n", "Plans"),
    ],
)
def test_heading_attributes_and_tags_go(md, heading):
    (b,) = flat("# G\n\n" + md)
    assert b.trail[-1] == heading


DEFINITIONS = (
    "# Glossary\n\nHours\n: Mon-Fri, 9 a.m.-5 p.m.\n\nAPI key\n\n: A secret that lets a script use your account.\n\n"
    "Is support free?\n: Yes, for every plan.\n"
)


def test_definition_lists_are_entries_and_questions():
    blocks = flat(DEFINITIONS)
    assert ("entry", "Hours: Mon-Fri, 9 a.m.-5 p.m.") in [(b.kind, b.text) for b in blocks]
    (faq,) = [b for b in blocks if b.kind == "faq"]
    assert (faq.question, faq.text) == ("Is support free?", "Yes, for every plan.")
    assert any(b.text == "API key: A secret that lets a script use your account." for b in blocks)


def test_code_keeps_everything_as_written():
    md = (
        "# G\n\nRun `__init__.py` or `{{ x }}` or `<b>` or `[a][b]` here.\n\n"
        "```\n!!! note\n<!-- kept -->\n{% raw %}{{ site.url }}\n![img](a.png)\n[ref]: https://x\n:::tip\n```\n"
    )
    blocks = flat(md)
    assert "`__init__.py` or `{{ x }}` or `<b>` or `[a][b]`" in blocks[0].text
    (code,) = [b for b in blocks if b.kind == "code"]
    assert code.text == "!!! note\n<!-- kept -->\n{% raw %}{{ site.url }}\n![img](a.png)\n[ref]: https://x\n:::tip"


def test_every_block_still_points_at_its_words_in_the_file():
    md = "# G\n\n" + "\n".join(m for m, _, _ in ADMONITIONS) + TABS_MDX + DEFINITIONS
    for b in flat(md):
        first = (b.question or b.lead or b.text).split()[0].strip(":")
        assert first in md[b.span[0] : b.span[1]], (b.kind, first)


# Shapes a line of generator syntax could be made of, at a size where quadratic work takes hours.
HOSTILE = {
    "open comments": "<!--" * 25_000,
    "open templates": "{{ {% " * 16_000,
    "braces": "{" + " " * 100_000,
    "attribute-like": "{#a " * 25_000,
    "images": "![" * 50_000,
    "image links": "![a](" * 20_000,
    "reference links": "[a][" * 25_000,
    "tags": "<a " * 33_000,
    "backticks": "".join("`" * (i % 7 + 1) + "a" for i in range(20_000)),
    "emphasis": "**a _b " * 15_000,
    "escapes": "\\*" * 50_000,
    "admonition": "!!! " + "a " * 50_000 + '"',
    "tab": '=== "' + "a" * 100_000,
    "colons": ":" * 100_000,
    "definitions": "Term\n: definition\n" * 6_000,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_generator_syntax_is_read_in_linear_time(name):
    text = f"# Guide\n\nSome text.\n\n{HOSTILE[name]}\n\nThe end of the guide.\n"
    t0 = time.perf_counter()
    _, blocks = parse_guide(text, markdown=True)
    assert time.perf_counter() - t0 < 30.0, name  # linear: about a second; quadratic: hours
    assert blocks[-1].text == "The end of the guide."
