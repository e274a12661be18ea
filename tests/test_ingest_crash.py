"""A run killed with SIGKILL half-way leaves a store that the next run completes exactly."""

import os
import re
import signal
import subprocess
import sys
import threading

from conftest import CORPUS, ROOT, run_cli
from test_ingest_cli import store_ids


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

    partial = store_ids(home)
    assert 0 < len(partial) < state["total"], "the kill must land half-way for this test to mean anything"

    rerun = run_cli("ingest", "--json", str(corpus), env={"ADVISOR_HOME": str(home)})
    assert rerun.returncode == 0, rerun.stderr

    clean_home = tmp_path / "clean"
    clean = run_cli("ingest", "--json", str(corpus), env={"ADVISOR_HOME": str(clean_home)})
    assert clean.returncode == 0
    assert store_ids(home) == store_ids(clean_home)  # same chunks: none missing, none duplicated
    assert len(store_ids(home)) == state["total"]
