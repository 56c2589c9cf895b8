"""Suggested topics are named as a person would ask: without the guide's own
numbering, and a sequence's bare labels (Step 1, Step 2) by their heading."""

import pytest

from faqrag.answer.compose import _sequence_labels, _topic, _unnumbered


@pytest.mark.parametrize(
    "heading, name",
    [
        ("5. Travel & Hospitality", "Travel & Hospitality"),
        ("12) Returns", "Returns"),
        ("2.3 Billing", "Billing"),
        ("1.2. Setup", "Setup"),
        ("IV. Appendix", "Appendix"),
        ("b) Refunds", "Refunds"),
        ("Option B: Live Chat", "Option B: Live Chat"),
        ("iPhone 15", "iPhone 15"),
        ("3D printing", "3D printing"),
        ("2024 pricing", "2024 pricing"),
        ("Q3 results", "Q3 results"),
    ],
)
def test_heading_numbers_are_dropped_and_names_kept(heading, name):
    assert _unnumbered(heading) == name


def test_labels_of_a_sequence_give_way_to_their_heading():
    headings = ["Step 1", "Step 2", "Step 4:", "Windows 11", "Part II"]
    seq = _sequence_labels([_unnumbered(h) for h in headings])
    assert seq == {"step"}  # "Windows 11" and a lone "Part II" are names, not a sequence
    assert [_topic(("Pancakes", h), seq) for h in headings] == [
        "Pancakes",
        "Pancakes",
        "Pancakes",
        "Windows 11",
        "Part II",
    ]
    assert _topic(("Step 1",), seq) == ""  # nothing to name it by: no suggestion
