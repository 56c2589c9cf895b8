"""What a process answering one question loads: nothing heavy it does not use."""

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def run_fresh(code: str, timeout: float) -> None:
    """``code`` in a new interpreter with faqrag's sources on its path; its assertions must hold."""
    env = {**os.environ, "PYTHONPATH": str(TESTS.parent / "src")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]


def test_answering_a_question_imports_neither_scipy_nor_bm25s(built_index):
    """bm25s brought scipy.sparse and tqdm into every question process, a fifth of
    a second of a cold `faqrag ask`; BM25 scoring needs numpy alone (bm25.py)."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "from pathlib import Path\n"
        "from conftest import FakeEmbedder\n"
        "from faqrag.engine import Engine\n"
        f"e = Engine.open(Path({str(built_index)!r}), embedder=FakeEmbedder())\n"
        "e.warm_up_for('How do I reset my widget?')\n"
        "assert e.ask('How do I reset my widget?').passages\n"
        "heavy = sorted(m for m in ('scipy', 'bm25s', 'tqdm', 'torch', 'sentence_transformers') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    run_fresh(code, timeout=120)


def test_the_question_is_checked_without_importing_the_engine():
    """`faqrag ask` checks the question, then starts the model loading, then imports
    the engine: the check must not need the engine's modules."""
    code = (
        "import sys\n"
        "from faqrag.limits import check_question\n"
        "from faqrag.settings import Settings\n"
        "assert check_question('  what   now? ', Settings()) == 'what now?'\n"
        "assert 'faqrag.engine' not in sys.modules and 'numpy' not in sys.modules, sorted(sys.modules)\n"
    )
    run_fresh(code, timeout=60)
