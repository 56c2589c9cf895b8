"""Bounds on input: JSON that would crash the parser, numbers JSON does not
have, characters no text should hold, and settings that would exhaust memory."""

import json

import pytest

from faqrag.errors import FaqragError
from faqrag.limits import bad_character, dumps, loads, shown
from faqrag.settings import Settings

HOSTILE_JSON = [
    "[" * 100_000,
    '{"a": ' * 100_000,
    '{"x": NaN}',
    '{"x": Infinity}',
    "[-Infinity]",
    "1" * 5000,  # over Python's 4,300-digit limit for int()
    "",
    "{",
]


@pytest.mark.parametrize("text", HOSTILE_JSON, ids=range(len(HOSTILE_JSON)))
def test_hostile_json_is_a_decode_error(text):
    with pytest.raises(json.JSONDecodeError):
        loads(text)


def test_json_out_refuses_nan():
    assert dumps({"a": "é"}) == '{"a": "é"}'
    with pytest.raises(ValueError):
        dumps({"a": float("nan")})


@pytest.mark.parametrize(
    "text, found",
    [
        ("fine\ttext\nwith breaks\r\n\x0c", None),
        ("nul\x00", "U+0000"),
        ("bell\x07", "U+0007"),
        ("esc\x1b[31m", "U+001B"),
        ("unit separator\x1f", "U+001F"),
        ("del\x7f", "U+007F"),
        ("c1\x9b", "U+009B"),
        ("undecodable \udcff byte", "lone surrogate U+DCFF"),
        ("\ud800", "lone surrogate U+D800"),
    ],
)
def test_bad_character_names_the_first_offender(text, found):
    said = bad_character(text)
    assert (said is None) if found is None else (found in said)


def test_shown_is_short_and_never_fails():
    assert shown("x" * 10_000).endswith("\u2026") and len(shown("x" * 10_000)) == 60
    assert "too long" in shown(10**5000)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"dense_weight": float("nan")}, "dense_weight must be a number"),
        ({"conf_bias": float("inf")}, "conf_bias must be a number"),
        ({"conf_weights": [1, 1, 1, 1, 1, 1, 1, 1, float("nan")]}, "conf_weights must be a list of 9 numbers"),
        ({"candidates": 10**12}, "candidates must be a whole number from 1 to 100,000"),
        ({"suggestions": True}, "suggestions must be a whole number"),
        ({"max_text_chars": 0}, "max_text_chars must be a whole number"),
        ({"abstain_below": -0.1}, "abstain_below must be between 0 and 1"),
    ],
)
def test_settings_refuse_values_that_break_answers(data, message):
    with pytest.raises(FaqragError, match=message):
        Settings.from_dict(data)


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"abstain_below": NaN}', "not valid JSON (NaN is not a number JSON allows"),
        ('{"a": ' * 100_000, "not valid JSON (nested too deeply"),
        ("[1, 2]", "must hold a JSON object"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_settings_files_that_are_not_settings(tmp_path, content, message):
    path = tmp_path / "s.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(FaqragError) as err:
        Settings.from_file(path)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_settings_path_that_is_a_folder_or_unreadable(tmp_path):
    with pytest.raises(FaqragError, match="is a folder; pass --settings a JSON file"):
        Settings.from_file(tmp_path)
    with pytest.raises(FaqragError, match="not found"):
        Settings.from_file(tmp_path / "none.json")


def test_small_files_are_read_no_further_than_their_cap(tmp_path, monkeypatch):
    big = tmp_path / "s.json"
    big.write_text('{"k": 5' + " " * (1024 * 1024) + "}")
    with pytest.raises(FaqragError, match=r"is not valid JSON \(it is over 1 MiB\); fix it"):
        Settings.from_file(big)
