"""What the API's clients read of the server's paths: shortened by the message's text
alone, so that no reply differs by whether a path exists on the server."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from test_serve import FAST, wait_ready

from faqrag.serve.app import create_app
from faqrag.serve.settings import ServeSettings
from faqrag.serve.state import ServerState
from faqrag.settings import Settings
from faqrag.text import ABS_PATH


@pytest.fixture
def elsewhere(tmp_path_factory):
    """A file that exists on the server, and one beside it in a folder that does not."""
    root = tmp_path_factory.mktemp("elsewhere")
    (root / "present").mkdir()
    (root / "present" / "file.txt").write_text("x")
    return root / "present" / "file.txt", root / "absent" / "file.txt"


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return ServerState(tmp_path / "srv" / "index", tmp_path / "srv" / "corpus", Settings(), ServeSettings(), None)


def test_a_path_that_exists_and_one_that_does_not_read_the_same(state, elsewhere, monkeypatch):
    present, absent = elsewhere

    def no_disk(*_a, **_k):
        raise AssertionError("public() asked the disk")

    with monkeypatch.context() as m:  # Path.exists, is_file and resolve all go through these
        m.setattr(os, "stat", no_disk)
        m.setattr(os, "lstat", no_disk)
        said = [state.public(f"cannot read {p}: no such file") for p in (present, absent)]
    assert said[0] == said[1] == "cannot read file.txt: no such file"


def test_the_servers_folders_read_as_their_short_names(state, tmp_path):
    index, corpus = state.index_dir, state.corpus_dir
    cases = {
        f"no index at {index}; run faqrag build": "no index at index; run faqrag build",
        f"{index}/manifest.json is torn": "index/manifest.json is torn",
        f"'{corpus}/faq.csv', line 3": "'corpus/faq.csv', line 3",
        f"{tmp_path}/home/.cache/faqrag/model.onnx is empty": "model.onnx is empty",
        "at:/opt/secret/x.txt; file:/opt/y": "at:x.txt; file:y",  # after a colon too
        f"see {os.getcwd()}/eval/sets.json": "see eval/sets.json",
        f"{index}2/x and {index}": "x and index",  # a folder's name is matched whole
        "see https://example.org/a/b and 24/7": "see https://example.org/a/b and 24/7",
    }
    for message, shown in cases.items():
        assert state.public(message) == shown
        assert not ABS_PATH.search(state.public(message))


def test_a_client_probing_for_server_files_reads_the_same_reply_either_way(built_index, fake_embedder, elsewhere):
    present, absent = elsewhere
    app = create_app(built_index, embedder_factory=lambda _m: fake_embedder, serve=FAST, api_token="")
    with TestClient(app, raise_server_exceptions=False) as client:
        wait_ready(client)
        replies = [client.get(str(p)).json()["error"] for p in (present, absent)]
        guesses = [client.get(f"{root}/index/manifest.json").json()["error"] for root in (built_index.parent, "/srv")]
    # The address the client sent, given back as sent: nothing in the reply depends on the server's disk.
    assert replies == [
        f"no such endpoint {p}; the API is under /v1 (/v1/ask, /v1/health; see /docs)" for p in elsewhere
    ]
    assert guesses[0].replace(str(built_index.parent), "/srv") == guesses[1]
