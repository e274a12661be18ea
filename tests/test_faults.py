"""The fault matrix (ARCHITECTURE.md, "Faults and what the user sees"): rows not covered elsewhere.

Each fault is injected against the real parts: a model server that errors or talks nonsense, a
damaged record in the store, a disk that fills during an ingest. Expected every time: the fault stays
with the request or file that met it, a message names it, nothing stored is lost, and the next
request works without a restart.
"""

from __future__ import annotations

import http.server
import resource
import subprocess
import sys
import threading

import pytest
from conftest import ROOT, run_cli

from advisor.chain import Advisor


class _BadModelServer:
    """An OpenAI-compatible address whose every reply is ``status`` with ``body``."""

    def __init__(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.send_response(outer.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            do_GET = do_POST = _reply

            def log_message(self, *args) -> None:
                pass

        self.status, self.body = status, body
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("status, body", [
    (500, b'{"error": {"message": "internal error", "type": "server_error"}}'),
    (200, b"\x00\x01 this is not JSON at all"),
    (200, b'{"id": "x", "object": "chat.completion", "choices": []}'),
], ids=["errors", "garbage", "empty-choices"])
def test_a_model_server_that_errors_or_talks_nonsense_leaves_the_sources_answer(corpus_home, monkeypatch,
                                                                                 status, body):
    from advisor.config import get_settings

    server = _BadModelServer(status, body)
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    get_settings.cache_clear()
    try:
        advisor = Advisor(engine="openai")
        first = advisor.ask("What skills does an ML engineer need?")
        server.status, server.body = 500, b'{"error": {"message": "still failing"}}'
        second = advisor.ask("What does an AI engineer do?")
    finally:
        server.close()
        get_settings.cache_clear()
    for answer in (first, second):
        assert not answer.refused and answer.citations, answer.text
        assert answer.engine == "openai→extractive", answer.engine
        assert answer.notice and "sources" in answer.notice, answer.notice


def test_a_damaged_record_costs_its_own_passage_not_the_answer(corpus_home, monkeypatch):
    """Issue 24, finding 2: one stored vector that is missing broke every answer that reached it."""
    from advisor.retrieval import get_retriever

    retriever = get_retriever()
    collection = retriever.collection()
    real_query = type(collection).query

    def damaged_query(self, *args, **kwargs):
        result = real_query(self, *args, **kwargs)
        if result.get("embeddings") is not None and len(result["ids"][0]) > 1:
            embeddings = list(result["embeddings"][0])
            embeddings[0] = None  # the best match's vector is gone
            result["embeddings"] = [embeddings]
        return result

    monkeypatch.setattr(type(collection), "query", damaged_query)
    answer = Advisor(engine="extractive").ask("What does an AI engineer do?")
    assert not answer.refused and answer.citations
    monkeypatch.undo()
    assert Advisor(engine="extractive").ask("What does an ML engineer do?").citations


def _limit_file_size(limit: int):
    def apply() -> None:
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_disk_that_fills_during_an_ingest_loses_nothing_stored(tmp_path, corpus_copy):
    """The store holds the corpus; an ingest of a large file meets a full disk: it stops with one clear
    line, the store still answers from what it held, and the same ingest with room completes."""
    home = tmp_path / "home"
    assert run_cli("ingest", str(corpus_copy), env={"ADVISOR_HOME": str(home)}).returncode == 0
    big = tmp_path / "big"
    big.mkdir()
    paragraph = "Data stewards keep the catalogue of datasets accurate and record who may use each one. "
    (big / "stewards.md").write_text("# Stewards\n\n" + "\n\n".join(f"## Part {i}\n\n{paragraph * 6}" for i in range(400)))
    size = sum(f.stat().st_size for f in (home / "chroma").rglob("*") if f.is_file())
    env = {**__import__("os").environ, "ADVISOR_HOME": str(home)}
    full = subprocess.run([sys.executable, "-m", "ingest", str(big)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, preexec_fn=_limit_file_size(size + 64 * 1024))
    assert full.returncode != 0
    assert "Traceback" not in full.stderr and "error" in full.stderr.lower(), full.stderr
    answer = run_cli("advisor", "ask", "What does an AI engineer do?", "--engine", "extractive",
                     env={"ADVISOR_HOME": str(home)})
    assert answer.returncode == 0 and "[1]" in answer.stdout, answer.stdout + answer.stderr
    again = run_cli("ingest", str(big), env={"ADVISOR_HOME": str(home)})
    assert again.returncode == 0, again.stderr
    listed = run_cli("ingest", "--list", env={"ADVISOR_HOME": str(home)}).stdout
    assert "stewards.md" in listed and "incomplete" not in listed
