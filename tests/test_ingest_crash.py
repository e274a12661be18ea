"""Ingests that die or overlap: a run killed half-way hides its unfinished files and the
next run completes them exactly; two runs at once take turns."""

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections import defaultdict

from conftest import CORPUS, ROOT, run_cli
from test_ingest_cli import store_ids, store_metadatas


def _make_big_corpus(path, copies=12):
    path.mkdir()
    for i in range(copies):
        for article in CORPUS.glob("*.md"):
            text = article.read_text().replace("# ", f"# Copy {i}: ", 1)
            (path / f"{i:02d}-{article.name}").write_text(text)


def test_sigkill_half_way_then_rerun_gives_the_complete_store(tmp_path):
    corpus = tmp_path / "big"
    _make_big_corpus(corpus)
    home = tmp_path / "home"
    env = {**os.environ, "ADVISOR_HOME": str(home), "ADVISOR_EMBED_BATCH_SIZE": "16"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", str(corpus)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    seen = bytearray()
    progress = threading.Event()
    state = {}

    def watch():
        while chunk := proc.stderr.read(1):
            seen.extend(chunk)
            for done, total in re.findall(rb"(\d+)/(\d+) \[", bytes(seen[-200:])):
                if 48 <= int(done) < int(total) // 2:
                    state["done"], state["total"] = int(done), int(total)
                    progress.set()

    threading.Thread(target=watch, daemon=True).start()
    assert progress.wait(timeout=300), f"no progress seen: {bytes(seen[-500:])!r}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    partial = store_metadatas(home)
    assert 0 < len(partial) < state["total"], "the kill must land half-way for this test to mean anything"
    # Complete or invisible: a file is searchable only with all of its chunks.
    by_source = defaultdict(list)
    for meta in partial.values():
        by_source[meta["source"]].append(meta)
    unfinished = [s for s, metas in by_source.items() if not all(m["ready"] for m in metas)]
    assert unfinished, "the killed run must leave files it had not finished"
    for source, metas in by_source.items():
        if any(m["ready"] for m in metas):
            assert all(m["ready"] for m in metas) and len(metas) == metas[0]["chunk_count"], source

    rerun = run_cli("ingest", "--json", str(corpus), env={"ADVISOR_HOME": str(home)})
    assert rerun.returncode == 0, rerun.stderr
    assert all(m["ready"] for m in store_metadatas(home).values())

    clean_home = tmp_path / "clean"
    clean = run_cli("ingest", "--json", str(corpus), env={"ADVISOR_HOME": str(clean_home)})
    assert clean.returncode == 0
    assert store_ids(home) == store_ids(clean_home)  # same chunks: none missing, none duplicated
    assert len(store_ids(home)) == state["total"]


def _start_ingest(corpus, home, **env):
    """A real ``python -m ingest --json`` in the background; returns it once it holds the lock and embeds."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "--json", str(corpus)], cwd=ROOT,
        env={**os.environ, "ADVISOR_HOME": str(home), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    seen = []
    while "embedding" not in "".join(seen):
        char = proc.stderr.read(1)
        assert char, f"ingest ended before embedding: {''.join(seen)!r}"
        seen.append(char)
    return proc


def test_two_ingests_at_once_take_turns_and_the_store_stays_whole(tmp_path):
    corpus = tmp_path / "big"
    _make_big_corpus(corpus, copies=6)
    home = tmp_path / "home"
    first = _start_ingest(corpus, home, ADVISOR_EMBED_BATCH_SIZE="8")
    second = run_cli("ingest", "--json", str(corpus), env={"ADVISOR_HOME": str(home), "ADVISOR_INGEST_LOCK_WAIT_S": "600"})
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err

    assert "waiting for another ingest to finish…" in second.stderr
    assert second.returncode == 0, second.stderr
    done, again = json.loads(out.splitlines()[-1]), json.loads(second.stdout.splitlines()[-1])
    files = len(list(corpus.glob("*.md")))
    assert (done["added"], again["skipped"], again["chunks"]) == (files, files, 0)
    assert again["total_chunks"] == done["total_chunks"] == len(store_ids(home))
    assert all(m["ready"] for m in store_metadatas(home).values())


def test_an_ingest_that_waits_too_long_fails_clearly(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with open(home / "ingest.lock", "a") as held:  # as another ingest would hold it
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run_cli("ingest", str(CORPUS), env={"ADVISOR_HOME": str(home), "ADVISOR_INGEST_LOCK_WAIT_S": "1"})
    assert result.returncode == 1
    assert "waiting for another ingest to finish…" in result.stderr
    assert "error: another ingest into" in result.stderr and "still running after 1 s" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (home / "chroma").exists()
