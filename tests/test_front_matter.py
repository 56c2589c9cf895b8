"""Front matter is the document's own content, not faqrag's configuration: it never fails a build."""

from __future__ import annotations

import json

import pytest

from faqrag.errors import CorpusError
from faqrag.ingest.corpus import load_corpus, read_corpus
from faqrag.ingest.front_matter import MAX_FRONT_MATTER_CHARS, read_front_matter

BODY = "# Installing\n\nRun the installer and follow the prompts.\n"

# Front matter as generators and docs teams write it: (name, block, title, url, date, keys left out)
GENERATORS = [
    (
        "jekyll",
        "---\nlayout: docs\ntitle: Installing the app\npermalink: /docs/installing/\nredirect_from:\n  - /install/\n---\n",
        "Installing the app",
        None,
        None,
        {"layout", "permalink", "redirect_from"},
    ),
    (
        "hugo-yaml",
        "---\ntitle: 'Installing'\ndate: 2024-03-01\ndraft: false\nweight: 10\ntags: [setup, install]\n---\n",
        "Installing",
        None,
        "2024-03-01",
        {"draft", "weight", "tags"},
    ),
    (
        "hugo-toml",
        '+++\ntitle = "Installing"\ndate = 2024-03-01T10:00:00Z\nweight = 10\n[params]\nicon = "download"\n+++\n',
        "Installing",
        None,
        "2024-03-01T10:00:00+00:00",
        {"weight", "params"},
    ),
    (
        "docusaurus",
        "---\nsidebar_position: 2\nslug: /install\ndescription: How to install the app.\n---\n",
        None,
        None,
        None,
        {"sidebar_position", "slug"},
    ),
    (
        "mkdocs",
        "---\ntitle: Install\nhide:\n  - navigation\n  - toc\nsearch:\n  boost: 2\n---\n",
        "Install",
        None,
        None,
        {"hide", "search"},
    ),
    (
        "zendesk",
        '---\ntitle: "Install the app"\nid: 4401881299090\n---\n',
        "Install the app",
        None,
        None,
        {"id"},
    ),
    (
        "ms-docs",
        "---\ntitle: Install\nms.date: 05/14/2024\nms.topic: how-to\nauthor: someone\nCanonical-URL: https://docs.example.com/install\n---\n",
        "Install",
        "https://docs.example.com/install",
        "05/14/2024",
        {"ms.topic", "author"},
    ),
    (
        "astro",
        "---\ntitle: Install\nsidebar:\n  order: 1\n  badge: New\nlastUpdated: 2024-05-01\n---\n",
        "Install",
        None,
        None,
        {"sidebar", "lastUpdated"},
    ),
]


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name, block, title, url, date, left_out", GENERATORS, ids=[g[0] for g in GENERATORS])
def test_front_matter_of_every_generator_builds_and_gives_its_metadata(
    tmp_path, name, block, title, url, date, left_out
):
    path = write(tmp_path / "install.md", block + BODY)
    said = []
    corpus = read_corpus(tmp_path, said.append)
    assert not said
    ((doc, blocks),) = corpus.loaded
    assert doc.title == (title or "Installing")  # else the first heading
    assert (doc.url, doc.date) == (url, date)
    assert set(corpus.left_out_keys) == left_out
    body = next(b for b in blocks if "installer" in b.text)
    assert doc.text[slice(*body.span)] == "Run the installer and follow the prompts."  # spans true to the file
    assert doc.text == path.read_text(encoding="utf-8")


def test_a_description_is_an_opening_passage_unless_the_body_says_it(tmp_path):
    write(tmp_path / "a.md", "---\ndescription: How to install the app on every system.\n---\n" + BODY)
    write(tmp_path / "b.md", "---\nsummary: Run the installer and follow the prompts.\n---\n" + BODY)
    docs = {d.doc_id: (d, b) for d, b in load_corpus(tmp_path)}
    doc, blocks = docs["a.md"]
    assert (blocks[0].kind, blocks[0].text, blocks[0].trail) == (
        "passage",
        "How to install the app on every system.",
        (),
    )
    assert doc.text[slice(*blocks[0].span)] == "How to install the app on every system."
    _, blocks = docs["b.md"]
    assert sum("installer" in b.text for b in blocks) == 1


def test_left_out_keys_are_one_line_of_the_build(tmp_path, fake_embedder):
    from faqrag.index.build import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus / "a.md", "---\nlayout: page\ntitle: A\nsidebar_position: 1\n---\n# A\n\nAlpha text here.\n")
    write(corpus / "b.md", "---\nlayout: page\ntags: [x]\n---\n# B\n\nBeta text here.\n")
    logged = []
    build_index(corpus, tmp_path / "index", fake_embedder, log=logged.append)
    lines = [m for m in logged if "front matter" in m]
    assert len(lines) == 1
    assert "layout (2), sidebar_position, tags" in lines[0]
    assert not any(m.startswith("warning") for m in logged)


@pytest.mark.parametrize(
    "block, problem",
    [
        ("---\ntitle: [unclosed\n---\n", "not valid YAML"),
        ("---\ntitle: a\n  b: c\n---\n", "not valid YAML"),
        ("---\n" + "[" * 5000 + "\n---\n", None),  # deep nesting: no traceback, whatever the parser says
        ("+++\ntitle = \n+++\n", "not valid TOML"),
        ("+++\nx = " + "[" * 3000 + "]" * 3000 + "\n+++\n", None),
        ("---\ntitle: A\n" + "x: y\n" * (MAX_FRONT_MATTER_CHARS // 5) + "---\n", "no closing '---' line"),
        ("---\n!!python/object/apply:os.system ['true']\n---\n", "not valid YAML"),
    ],
    ids=["unclosed", "indent", "deep-yaml", "toml", "deep-toml", "too-long", "python-tag"],
)
def test_bad_front_matter_is_a_warning_and_the_file_still_builds(tmp_path, block, problem):
    write(tmp_path / "g.md", block + BODY)
    said = []
    ((doc, blocks),) = load_corpus(tmp_path, warn=said.append)
    assert any("installer" in b.text for b in blocks)
    assert len(said) == 1 and "read as text" in said[0] and "\n" not in said[0]
    if problem:
        assert problem in said[0]


@pytest.mark.parametrize(
    "text",
    [
        "---\nJust a paragraph between two rules.\n---\n\nMore text.\n",
        "---\n- a list\n- of items\n---\n\nMore text.\n",
    ],
)
def test_rules_around_text_are_not_front_matter(tmp_path, text):
    front = read_front_matter(text)
    assert front.body == text and not front.meta and front.problem is None


@pytest.mark.parametrize("text", ["---\n---\n# T\n", "---\n\n---\n# T\n", "+++\n+++\n# T\n"])
def test_empty_front_matter_is_front_matter(text):
    """Jekyll processes a file for its empty front matter; it is no content."""
    front = read_front_matter(text)
    assert front.body.endswith("# T\n") and not front.body[: -len("# T\n")].strip()


@pytest.mark.parametrize(
    "value, kept",
    [
        ("title: 404", "404"),
        ("title: true", None),
        ("title: ''", None),
        ("title: [a, b]", None),
        ("title: {a: 1}", None),
        ('title: "Line\\x07bell"', None),
        ("url: /relative/permalink/", None),
        ("url: https://x.example/a", "https://x.example/a"),
    ],
)
def test_odd_values_are_left_out_not_refused(value, kept):
    front = read_front_matter(f"---\n{value}\n---\n# T\n\nText.\n")
    key = value.split(":")[0]
    assert front.meta.get(key) == kept
    assert (key in front.left_out) == (kept is None)


def test_a_sidecar_stays_strict_and_wins_over_front_matter(tmp_path):
    write(tmp_path / "g.md", "---\ntitle: From front matter\nlayout: x\n---\n" + BODY)
    write(tmp_path / "g.md.meta.json", json.dumps({"title": "From sidecar"}))
    ((doc, _),) = load_corpus(tmp_path)
    assert doc.title == "From sidecar"
    write(tmp_path / "g.md.meta.json", json.dumps({"title": "T", "layout": "x"}))
    with pytest.raises(CorpusError, match="unknown metadata key"):
        load_corpus(tmp_path)


def test_crlf_and_bom_front_matter(tmp_path):
    (tmp_path / "w.md").write_bytes(
        "\ufeff---\r\ntitle: Windows\r\nlayout: x\r\n---\r\n# H\r\n\r\nBody line.\r\n".encode()
    )
    ((doc, blocks),) = load_corpus(tmp_path)
    assert doc.title == "Windows"
    assert doc.text[slice(*blocks[0].span)].strip() == "Body line."
