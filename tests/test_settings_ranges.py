"""Every setting has a range, checked at start: each field of each settings record
is tried with values below, above and beside its range and of every wrong type."""

from __future__ import annotations

import math
from dataclasses import fields, replace

import pytest

from faqrag.errors import FaqragError
from faqrag.serve.settings import ServeSettings, check_token
from faqrag.settings import ChunkSettings, Settings

RECORDS = (Settings, ServeSettings, ChunkSettings)
WRONG_TYPES = ("7", None, [], {}, True, float("nan"), float("inf"), -float("inf"))


def ranged():
    for record in RECORDS:
        for f in fields(record):
            lo, hi = f.metadata.get("range", (None, None))
            if lo is not None or hi is not None:
                yield pytest.param(record, f, id=f"{record.__name__}.{f.name}")


def refused(record, name, value) -> str:
    with pytest.raises(FaqragError) as err:
        record.from_dict({name: value}) if hasattr(record, "from_dict") else record(**{name: value})
    message = str(err.value)
    assert "\n" not in message and name in message
    return message


def test_every_numeric_setting_has_a_range():
    for record in RECORDS:
        for f in fields(record):
            if f.type in ("int", "float") or f.type.startswith("tuple[float"):
                assert f.metadata.get("range", (None, None)) != (None, None), f"{record.__name__}.{f.name}"


@pytest.mark.parametrize("record, f", list(ranged()))
def test_out_of_range_and_wrong_types_are_one_line_errors(record, f):
    lo, hi = f.metadata["range"]
    is_tuple = f.type.startswith("tuple")
    default = getattr(record(), f.name)

    def shaped(v):  # a tuple setting gets the bad value as one of its items
        return [v, *default[1:]] if is_tuple else v

    outside = ([lo - 1, lo - 1e-6] if lo is not None else []) + ([hi + 1, hi * 10 + 1, 1e308] if hi is not None else [])
    for value in outside + list(WRONG_TYPES):
        if value is True and f.type == "bool":
            continue
        refused(record, f.name, shaped(value))
    if f.type == "int":
        refused(record, f.name, (lo or 0) + 1.5)  # not a whole number
    if is_tuple:
        refused(record, f.name, list(default[:-1]))  # one item short
        refused(record, f.name, "1,2,3")
    for edge in (lo, hi):  # the ends of the range are allowed
        if edge is not None:
            value = shaped(edge)
            record(**{f.name: tuple(value) if is_tuple else value})


def test_extreme_confidence_settings_within_range_answer_without_overflow(built_index, fake_embedder):
    from faqrag.engine import Engine
    from faqrag.index.store import load_index

    n = len(Settings().conf_weights)
    for weights, bias in (((-100.0,) * n, -100.0), ((100.0,) * n, 100.0), ((100.0, -100.0) * (n // 2) + (0.0,), 0)):
        settings = replace(Settings(), conf_weights=weights[:n], conf_bias=bias)
        resp = Engine(load_index(built_index), fake_embedder, settings).ask("How do I reset my widget?")
        assert 0.0 <= resp.confidence <= 1.0 and math.isfinite(resp.confidence)


@pytest.mark.parametrize("token", ["pässwort", "tok en ", " token", "tab\tinside", "new\nline", "emoji🔑", "\x00nul"])
def test_an_api_secret_that_no_header_can_carry_is_refused_at_start(token):
    with pytest.raises(FaqragError, match="printable ASCII"):
        check_token(token, "FAQRAG_API_TOKEN")


def test_a_printable_ascii_secret_is_kept_and_an_empty_one_means_none():
    assert check_token("s3cr3t-._~+/=", "T") == "s3cr3t-._~+/=" and check_token("", "T") is None


def test_create_app_refuses_a_bad_secret(built_index, fake_embedder):
    from faqrag.serve.app import create_app

    with pytest.raises(FaqragError, match="FAQRAG_API_TOKEN"):
        create_app(built_index, embedder_factory=lambda _m: fake_embedder, api_token="clé")


@pytest.mark.parametrize(
    "origin",
    ["http://a\nb", "https://x.example/path", " https://x.example", "x.example", "ftp://x", "https://", "\x00"],
)
def test_a_cors_origin_no_browser_sends_is_refused_at_start(origin):
    from faqrag.serve.settings import ServeSettings

    with pytest.raises(FaqragError, match="is not an origin") as err:
        ServeSettings.from_dict({"cors_origins": [origin]})
    assert "\n" not in str(err.value)


def test_origins_browsers_send_are_kept():
    from faqrag.serve.settings import ServeSettings

    kept = ["*", "https://help.example.com", "http://127.0.0.1:8501", "http://[::1]:3000"]
    assert ServeSettings.from_dict({"cors_origins": kept}).cors_origins == tuple(kept)


@pytest.mark.parametrize("url", ["http://[::1", "http://host:99999", "http://host:port", "https://[x]:1"])
def test_a_server_url_that_is_no_url_is_one_line(url):
    from faqrag.serve.client import ask_server

    with pytest.raises(FaqragError, match="is not a URL") as err:
        ask_server(url, "hello?")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "--k", "nan", "hi?"],
        ["ask", "--k", "9" * 5000, "hi?"],
        ["ask", "--k", "0", "hi?"],
        ["serve", "--port", "0"],
        ["serve", "--port", "http"],
        ["log", "--limit", "-1"],
        ["eval"],
        ["ask"],
        ["tune", "--wet"],
        ["frobnicate"],
    ],
    ids=lambda a: " ".join(a)[:30],
)
def test_a_bad_option_is_one_line_naming_it(argv, capsys):
    from faqrag.cli.main import main

    with pytest.raises(SystemExit) as code:
        main(argv)
    err = capsys.readouterr().err
    assert code.value.code == 2 and err.count("\n") == 1 and "error:" in err and "--help" in err, err
    assert len(err) < 400


def test_a_log_that_cannot_be_written_is_one_warning_line(tmp_path, built_index, monkeypatch, capsys, use_fake_model):
    from faqrag.cli.main import main

    monkeypatch.setenv("FAQRAG_LOG", str(tmp_path))  # a folder
    assert main(["ask", "--index", str(built_index), "How do I reset my widget?"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("faqrag: warning: the question was not logged"), err
