"""The parser reads structure from shape alone, on guides it has never seen."""

from conftest import GUIDE

from faqrag.ingest.parse import parse_guide


def blocks_of(kind, blocks):
    """Blocks of a kind, also inside sections (a heading with a short body)."""
    flat = [m for b in blocks for m in (b.members or (b,))]
    return [b for b in flat if b.kind == kind]


def test_title_headings_and_trail():
    title, blocks = parse_guide(GUIDE)
    assert title == "Acme Widgets Help Centre"
    first = blocks[0]
    assert first.kind == "section" and first.trail == ("Getting Started",) and first.question == "Getting Started"
    register = next(b for b in blocks if "serial number" in b.text)
    assert register.trail == ("Getting Started", "Step 2: Register Your Widget")


def test_bullets_keep_their_lead_in():
    _, blocks = parse_guide(GUIDE)
    (lst,) = blocks_of("list", blocks)
    assert lst.lead == "Check that the box holds the following:"
    assert lst.items == ("The widget", "A charging cable", "The quick-start card")
    assert lst.trail[-1] == "Step 1: Unpack the Box"


def test_directory_entries_carry_region_and_shared_lines():
    _, blocks = parse_guide(GUIDE)
    bayview = next(b for b in blocks_of("entry", blocks) if b.label == "Bayview")
    assert bayview.trail == ("Contact Directory", "Southern Region")
    assert bayview.value == "555-0201"
    # Hours and Languages recur in both regions, so they travel with each entry of theirs.
    assert bayview.context == ("Hours: Mon-Sat 10 a.m.-6 p.m. local time", "Languages: English, Cornish")
    hours = next(b for b in blocks_of("entry", blocks) if b.text.startswith("Hours: Mon-Fri"))
    assert hours.trail[-1] == "Northern Region" and hours.context == ()


def test_faq_pairs():
    _, blocks = parse_guide(GUIDE)
    faqs = blocks_of("faq", blocks)
    assert [f.question for f in faqs] == ["How do I reset my widget?", "Can I return a widget after 30 days?"]
    assert faqs[0].text.startswith("Hold the power button for ten seconds")
    assert faqs[0].trail == ("FAQs",)


def test_spans_point_into_the_source():
    _, blocks = parse_guide(GUIDE)
    for b in blocks:
        s, e = b.span
        source = GUIDE[s:e]
        first = b.question if b.kind == "faq" else (b.lead or b.text.split("\n")[0])
        assert e > s and source.startswith(first[:15]), (b.kind, first, source)


def test_code_fences_are_text_not_structure():
    md = "# Tool\n\n## Install\n\n```\n# fetch the code\n- not a bullet\n```\n\nThen run it.\n"
    _, blocks = parse_guide(md, markdown=True)
    (section,) = blocks
    assert section.kind == "section" and section.trail == ("Install",)
    assert [m.kind for m in section.members] == ["code", "passage"]
    assert section.members[0].text == "# fetch the code\n- not a bullet"  # lines kept, no structure read


def test_markdown_headings_lists_and_qa_prefixes():
    md = """# Router Manual

## Setup

1. Connect the cable.
2. Press **Start**.

## Troubleshooting

### Lights

The red light means no signal. Check the cable.

Q: Why is the router slow?
A: Move it away from walls.
"""
    title, blocks = parse_guide(md, markdown=True)
    assert title == "Router Manual"
    (lst,) = blocks_of("list", blocks)
    assert lst.items == ("Connect the cable.", "Press Start.") and lst.trail == ("Setup",)
    red = next(b for b in blocks_of("passage", blocks) if "red light" in b.text)
    assert red.trail == ("Troubleshooting", "Lights")
    (faq,) = blocks_of("faq", blocks)
    assert faq.question == "Why is the router slow?" and faq.text == "Move it away from walls."


def test_time_abbreviations_are_not_sentence_breaks():
    _, blocks = parse_guide("Hours\n\nOpen: Mon-Fri 9 a.m.-5 p.m. ET | Sat 10 a.m.-2 p.m. ET\n")
    (entry,) = blocks
    assert entry.kind == "entry" and entry.label == "Open"


def test_tokens_keep_letters_of_any_script():
    from faqrag.text import tokenize

    assert tokenize("Zürich café 東京") == ["zürich", "café", "東京"]
    assert "08000480888" in tokenize("call 0800-048-0888")


def test_markdown_tables_are_rows_under_their_header_and_quotes_are_text():
    md = "# Plans\n\n## Included\n\n| Plan | Storage |\n|---|:--:|\n| Free | 500 MB |\n| Pro | 1 GB |\n\n> **Note**\n> Storage resets monthly.\n"
    _, blocks = parse_guide(md, markdown=True)
    (table,) = blocks_of("list", blocks)
    assert table.lead == "| Plan | Storage |" and table.items == ("| Free | 500 MB |", "| Pro | 1 GB |")
    assert any(b.text == "Note Storage resets monthly." for b in blocks_of("passage", blocks))


def test_a_code_block_after_a_step_stays_with_that_step():
    md = "# Install\n\n## Steps\n\n1. Add the key.\n\n   ```\n   curl -o key.asc https://x.example/key\n   ```\n\n2. Install it.\n"
    _, blocks = parse_guide(md, markdown=True)
    (steps,) = blocks_of("list", blocks)
    # The code as the code is: the indentation that puts it under its step is not part of it.
    assert steps.items == ("Add the key.\ncurl -o key.asc https://x.example/key", "Install it.")


def test_a_lead_in_ending_in_a_colon_introduces_its_code_block():
    md = "# Tool\n\n## Remove\n\n" + "Some words here. " * 80 + "\n\nRun this command:\n\n```\ntool remove --all\n```\n"
    _, blocks = parse_guide(md, markdown=True)
    (code,) = blocks_of("code", blocks)
    assert code.lead == "Run this command:" and code.text == "tool remove --all"


def test_a_markdown_question_heading_heads_its_sub_sections():
    md = "# Tool\n\n## Basics\n\nIt is a tool.\n\n## How do I install it?\n\nPick your system.\n\n### On Linux\n\nUse the package.\n"
    _, blocks = parse_guide(md, markdown=True)
    (faq,) = blocks_of("faq", blocks)
    assert faq.question == "How do I install it?" and faq.trail == () and faq.text == "Pick your system."
    linux = next(b for b in blocks_of("passage", blocks) if b.text == "Use the package.")
    assert linux.trail == ("How do I install it?", "On Linux")


def test_tables_without_outer_pipes_are_rows_too():
    md = "# Plans\n\nPlan | Storage\n---|:--:\nFree | 500 MB\nPro  |  1 GB\n\nAfter the table | a pipe in prose.\n"
    _, blocks = parse_guide(md, markdown=True)
    (table,) = blocks_of("list", blocks)
    assert table.lead == "| Plan | Storage |" and table.items == ("| Free | 500 MB |", "| Pro | 1 GB |")
    assert any(b.text == "After the table | a pipe in prose." for b in blocks_of("passage", blocks))


def test_a_pipe_line_without_a_matching_rule_is_prose():
    # A rule with another number of cells, or a setext underline, does not open a table.
    for md in ("# T\n\na | b | c\n---|---\nx | y\n", "# T\n\nA | B\n---\n\nText.\n", "# T\n\nx | y\n"):
        _, blocks = parse_guide(md, markdown=True)
        assert not blocks_of("list", blocks), md


def test_an_escaped_bar_stays_in_its_cell_and_a_quoted_table_is_a_table():
    md = "# T\n\nCmd | Means\n---|---\n`a \\| b` | pipe a into b\n\n> Plan | Price\n> ---|---\n> Pro | 4 USD\n"
    _, blocks = parse_guide(md, markdown=True)
    first, second = blocks_of("list", blocks)
    assert first.items == ("| `a \\| b` | pipe a into b |",)  # two cells, not three
    assert second.lead == "| Plan | Price |" and second.items == ("| Pro | 4 USD |",)


def test_two_tables_one_after_the_other_stay_two():
    for md in (
        "# T\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n| C | D |\n|---|---|\n| 3 | 4 |\n",
        "# T\n\nA | B\n---|---\n1 | 2\n\nC | D\n---|---\n3 | 4\n",
    ):
        _, blocks = parse_guide(md, markdown=True)
        assert [(t.lead, t.items) for t in blocks_of("list", blocks)] == [
            ("| A | B |", ("| 1 | 2 |",)),
            ("| C | D |", ("| 3 | 4 |",)),
        ], md
