"""A build killed at any instant leaves a loadable index, and the next build
tidies up after it and reuses its vectors.

Each build runs in a process of its own with the fake embedder; every
file-system step of writing and swapping the index (folder creation, each
file write, each rename, the removal of the old folder) is wrapped so that
the process dies (``os._exit``, as SIGKILL would leave it: no cleanup, no
``finally``) just before it, in the middle of it (half a file written), or
just after it. One child imports faqrag once and forks a process per build:
starting Python for each of the ~60 deaths took a minute of the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GUIDE, FakeEmbedder

from faqrag.index.build import build_index, needs_build
from faqrag.index.store import load_index

CHILD = r"""
import json, os, shutil, sys, tempfile
from pathlib import Path

sys.path.insert(0, sys.argv[2])
from conftest import FakeEmbedder
import faiss
from faqrag.index import build

kill_at, count = 0, 0


def point():
    global count
    count += 1
    if count == kill_at:
        os._exit(9)


def step(fn):
    def wrapped(*args, **kw):
        point()
        result = fn(*args, **kw)
        point()
        return result
    return wrapped


def half_write(self, data, *args, **kw):
    point.__globals__["count"] += 1
    if count == kill_at:  # half the file on disk, then death
        with open(self, "w", encoding="utf-8") as fh:
            fh.write(data[: len(data) // 2])
        os._exit(9)
    return plain_write_text(self, data, *args, **kw)


def open_for_writing(self, mode="r", *args, **kw):
    if "w" in mode:
        point()
    return plain_open(self, mode, *args, **kw)


plain_write_text, plain_open = Path.write_text, Path.open
os.replace = step(os.replace)
shutil.rmtree = step(shutil.rmtree)
tempfile.mkdtemp = step(tempfile.mkdtemp)
faiss.serialize_index = step(faiss.serialize_index)
Path.write_bytes = step(Path.write_bytes)
Path.write_text = step(half_write)
Path.open = open_for_writing
codes = []
for kill, corpus, index in json.loads(sys.argv[1]):
    pid = os.fork()
    if pid == 0:  # the build, in a process that may die at any step
        kill_at = kill
        build.build_index(Path(corpus), Path(index), FakeEmbedder())
        print("finished", count, flush=True)
        os._exit(0)
    codes.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print(json.dumps(codes))
"""

TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"


def run_builds(runs: list[tuple[int, Path, Path]]) -> tuple[list[int], str]:
    """Build each (kill point, corpus, index) in a process that dies at that
    point; returns the exit codes and what the builds that finished printed."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([[k, str(c), str(i)] for k, c, i in runs]), str(TESTS)],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    *printed, codes = done.stdout.splitlines()
    return json.loads(codes), "\n".join(printed)


def kill_points(corpus: Path, index: Path) -> int:
    """How many kill points a whole build passes (a build told to die at none)."""
    (code,), printed = run_builds([(10**6, corpus, index)])
    assert code == 0, printed
    return int(printed.split()[-1])


@pytest.mark.parametrize("previous", [True, False], ids=["rebuild", "first-build"])
def test_a_build_killed_at_any_step_leaves_a_loadable_index(tmp_path, previous):
    old_text = GUIDE
    new_text = GUIDE.replace("ten seconds", "twelve seconds")
    probe = tmp_path / "probe"
    probe_corpus = probe / "corpus"
    probe_corpus.mkdir(parents=True)
    (probe_corpus / "guide.txt").write_text(old_text)
    if previous:
        build_index(probe_corpus, probe / "index", FakeEmbedder())
    (probe_corpus / "guide.txt").write_text(new_text)
    points = kill_points(probe_corpus, probe / "index")
    assert points >= 12  # every step of writing and swapping is covered

    runs = []
    for kill_at in range(1, points + 1):
        index = tmp_path / f"run{kill_at}" / "index"
        index.parent.mkdir()
        guide = tmp_path / f"corpus{kill_at}" / "guide.txt"
        guide.parent.mkdir()
        guide.write_text(old_text)
        if previous:
            build_index(guide.parent, index, FakeEmbedder())
        guide.write_text(new_text)
        runs.append((kill_at, guide.parent, index))
    codes, _ = run_builds(runs)

    for (kill_at, corpus, index), code in zip(runs, codes):
        assert code == 9, (kill_at, code)

        # Whatever instant it died at, an index loads: the old one or the new one.
        if previous or index.exists() or any(index.parent.glob(".index.*")):
            try:
                texts = " ".join(c.text for c in load_index(index).chunks)
            except Exception as err:  # noqa: BLE001 - reported with the step it failed at
                if previous:
                    pytest.fail(f"killed at step {kill_at}: no loadable index ({err})")
                texts = None  # a first build that died early has nothing to show yet
            if texts is not None:
                assert ("twelve seconds" in texts) != ("ten seconds" in texts), kill_at
        # --if-stale sees that index, not "no index" (which would re-embed everything).
        reason = needs_build(index, corpus, "fake-hash-64")
        assert reason is None or reason.startswith(("corpus changed", "no index")), (kill_at, reason)
        if previous:
            assert reason is None or reason.startswith("corpus changed"), (kill_at, reason)

        # The next build removes what the dead one left and reuses its vectors.
        embedder = FakeEmbedder()
        summary = build_index(corpus, index, embedder)
        assert sorted(p.name for p in index.parent.iterdir()) == ["index"], kill_at
        if previous:
            assert summary.embedded <= 2, (kill_at, summary.line())
        assert "twelve seconds" in " ".join(c.text for c in load_index(index).chunks)


def test_a_live_build_keeps_its_folder_while_another_build_waits(tmp_path, guide_corpus):
    """Leftovers are removed only under the build lock, which a live build
    holds from creating its folder to the swap: the lock makes a second build
    wait rather than delete the first one's work."""
    import fcntl

    index = tmp_path / "index"
    build_index(guide_corpus, index, FakeEmbedder())
    live = tmp_path / ".index.building-live"
    live.mkdir()
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # stands for a live build in its write phase
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[3]);"
                "from conftest import FakeEmbedder; from faqrag.index.build import build_index;"
                "build_index(Path(sys.argv[1]), Path(sys.argv[2]), FakeEmbedder())",
                str(guide_corpus),
                str(index),
                str(TESTS),
            ],
            env={**os.environ, "PYTHONPATH": str(SRC)},
        )
        with pytest.raises(subprocess.TimeoutExpired):
            child.wait(timeout=3)  # waiting on the lock
        assert live.exists()
    finally:
        os.close(fd)  # the "live build" ends
    assert child.wait(timeout=60) == 0
    assert not live.exists()  # now a dead build's leftover, and removed
    load_index(index)


def test_a_build_right_after_one_killed_mid_swap_reuses_the_index_it_left_aside(tmp_path, guide_corpus):
    """Killed between its two renames, a build leaves the live index moved aside
    (.index.old-*); the next build puts it back and reuses its vectors, whether or
    not anything checked for staleness first (the page's rebuild does not)."""
    index = tmp_path / "index"
    first = build_index(guide_corpus, index, FakeEmbedder())
    os.replace(index, tmp_path / ".index.old-dead")
    again = build_index(guide_corpus, index, FakeEmbedder())
    assert first.embedded > 0 and again.embedded == 0, again.line()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".index", "index"))) == ["index"]
