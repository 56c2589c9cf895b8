"""The real bundled model on the real guide: build once, ask a handful."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def real_engine(real_index):
    from faqrag.engine import Engine

    return Engine.open(real_index)


def test_torch_is_the_cpu_build():
    import torch

    assert torch.version.cuda is None, "the venv pulled a CUDA torch; install torch==2.13.0 first"


def test_default_model_loads_offline_from_the_package():
    from faqrag.models.embedder import resolve_model

    model_id, location = resolve_model(None)
    assert model_id == "all-MiniLM-L6-v2" and (Path(location) / "model.safetensors").exists()


@pytest.mark.parametrize(
    "question, expected, kind",
    [
        ("What are the support hours in Australia?", "9 a.m.\u20136 p.m. AEST", "entry"),
        ("What is the support number in the UK?", "0800-048-0888", "entry"),
        ("Can I transfer my Rakuten Rewards balance to someone else?", "non-transferable", "faq"),
    ],
)
def test_covered_questions_get_short_sourced_answers(real_engine, question, expected, kind):
    r = real_engine.ask(question).to_dict()
    assert not r["abstained"], r
    assert expected in r["answer"]["text"] and r["answer"]["kind"] == kind
    assert len(r["answer"]["text"]) <= 500
    assert r["answer"]["source"].startswith("Rakuten Japan & Global Rewards Help")
    assert r["notice"]  # the corpus sidecar's notice travels with its answers
    assert [p["score"] for p in r["passages"]] == sorted((p["score"] for p in r["passages"]), reverse=True)


@pytest.mark.parametrize(
    "question",
    [
        "Who painted the Mona Lisa?",
        "How do I cook rice in a microwave?",
        # In the guide's own words, but about a name it never mentions.
        "What is the Costco customer service number?",
        "Can I earn cash back at IKEA?",
    ],
)
def test_uncovered_questions_are_declined_with_suggestions(real_engine, question):
    r = real_engine.ask(question).to_dict()
    assert r["abstained"] and r["answer"] is None
    assert r["suggestions"] and r["passages"]


def test_batch_and_single_answers_agree(real_engine):
    qs = ["spain number", "live chat", "Is Rakuten Rewards a legitimate program?"]
    batch = real_engine.ask_many(qs)
    for q, b in zip(qs, batch):
        single = real_engine.ask(q)
        assert (single.answer and single.answer.chunk_id) == (b.answer and b.answer.chunk_id)


def test_an_faq_file_is_answered_from_its_rows_and_declines_the_rest(tmp_path):
    """Generality: another corpus, an FAQ file, with settings tuned on all sets."""
    from faqrag.engine import Engine
    from faqrag.index.build import build_index
    from faqrag.index.store import load_index
    from faqrag.models.torch_embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    build_index(ROOT / "eval" / "faq_demo", tmp_path / "ix", embedder)
    engine = Engine(load_index(tmp_path / "ix"), embedder)
    r = engine.ask("How much is the deposit when I buy a MetroPass?").to_dict()
    assert not r["abstained"] and "\u20ac5 deposit" in r["answer"]["text"] and r["answer"]["kind"] == "faq"
    assert r["faq"][0]["question"] == "How much does a MetroPass cost?"
    for question in ("Who won the 2018 World Cup?", "What is the best pizza place in town?"):
        assert engine.ask(question).abstained, question
