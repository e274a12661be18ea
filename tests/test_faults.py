"""The fault matrix (ARCHITECTURE.md, "Faults and what the user sees"): rows not covered elsewhere.

Each fault is injected against the real parts: a model server that errors or talks nonsense, a
damaged record in the store, a disk that fills during an ingest, the store's files damaged or
deleted under a running page, a Chroma server that goes down mid-answer, two ingests and an upload
at once, a pipeline step that fails once. Expected every time: the fault stays with the request or
file that met it, a message names it, nothing stored is lost, and the next request works without a
restart.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import CORPUS, ROOT, run_cli, start_app, stop_app

from advisor.chain import Advisor

QUESTION = "What does an AI engineer do?"
OTHER_QUESTION = "What skills does an ML engineer need?"
CITED = re.compile(r"\[\d+\]")
CORPUS_FILES = len(list(CORPUS.glob("*.md")))


@pytest.fixture
def page(monkeypatch):
    """The page's answer function (``app.respond``) in this process, with the extractive engine:
    ``page(question)`` returns what the chat shows for it. One shared Advisor serves every call, as on the page."""
    from advisor import chain, store

    monkeypatch.setenv("ADVISOR_ENGINE", "extractive")
    chain.reset()
    store.reset()
    import app

    def ask(question: str) -> str:
        chat = None
        for chat, *_ in app.respond(question, [], []):
            pass
        return chat[-1]["content"]

    yield ask
    chain.reset()
    store.reset()


def _reopen_settings() -> None:
    from advisor import chain, store

    chain.reset()
    store.reset()


def _damage(home: Path) -> bytes:
    """Overwrite the store's database in place with garbage, as a failing disk or a stray write would."""
    path = home / "chroma" / "chroma.sqlite3"
    garbage = random.Random(24).randbytes(path.stat().st_size)
    with open(path, "r+b") as handle:
        handle.write(garbage)
    return garbage


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


def test_a_disk_that_fills_during_an_ingest_loses_nothing_stored(tmp_path, built_home):
    """The store holds the corpus; an ingest of a large file meets a full disk: it stops with one clear
    line, the store still answers from what it held, and the same ingest with room completes."""
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    big = tmp_path / "big"
    big.mkdir()
    paragraph = "Data stewards keep the catalogue of datasets accurate and record who may use each one. "
    (big / "stewards.md").write_text("# Stewards\n\n" + "\n\n".join(f"## Part {i}\n\n{paragraph * 6}" for i in range(120)))
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


# ------------------------------------------------------------------ the store damaged, deleted or out of reach

def _assert_names_the_damage(shown: str, home: Path) -> None:
    assert "can&#x27;t answer right now" in shown or "can't answer right now" in shown, shown
    assert f"article store at {home / 'chroma'} is damaged" in shown, shown
    assert "python -m ingest --rebuild" in shown, shown
    assert "Traceback" not in shown and "went wrong" not in shown, shown


def _assert_one_error_line(result: subprocess.CompletedProcess, *expected: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(text in lines[0] for text in expected), lines[0]


def _rebuild(home: Path, garbage: bytes) -> None:
    """``python -m ingest --rebuild``: the damaged store is moved aside, byte for byte, and a new one is built."""
    result = run_cli("ingest", "--rebuild", "--json", env={"ADVISOR_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["added"] == CORPUS_FILES and summary["failed"] == 0, summary
    moved = Path(summary["moved_aside"])
    assert moved.parent == home and moved.name.startswith("chroma.damaged-"), moved
    assert (moved / "chroma.sqlite3").read_bytes() == garbage  # kept, never deleted
    assert f"moved the previous store aside to {moved}" in result.stderr


def test_a_store_damaged_under_a_running_page_is_named_and_a_rebuild_brings_it_back(built_home, advisor_home, page):
    """Issue 24, "store files corrupted under a running page": every question names the damage and the command
    that repairs it; plain ingest refuses with one line; after ``--rebuild`` the same page answers again."""
    from advisor.chain import get_advisor
    from advisor.store import StoreDamaged

    shutil.copytree(built_home, advisor_home)
    assert CITED.search(page(QUESTION))
    advisor = get_advisor()

    garbage = _damage(advisor_home)
    for question in (QUESTION, OTHER_QUESTION):  # each question, not only the first
        _assert_names_the_damage(page(question), advisor_home)
    with pytest.raises(StoreDamaged, match="--rebuild"):
        advisor.ask(QUESTION)  # the API says the same
    _assert_one_error_line(run_cli("ingest", env={"ADVISOR_HOME": str(advisor_home)}),
                           f"{advisor_home / 'chroma'} is damaged", "python -m ingest --rebuild")

    _rebuild(advisor_home, garbage)
    again = page(QUESTION)
    assert CITED.search(again) and "damaged" not in again, again
    assert get_advisor() is advisor  # no restart, no new Advisor
    assert advisor.ask(OTHER_QUESTION).citations


@pytest.mark.slow
def test_a_page_started_on_a_damaged_store_serves_and_answers_after_a_rebuild(built_home, tmp_path):
    """The page starts on a damaged store (it used to exit at start) and says what is wrong; after
    ``python -m ingest --rebuild`` in another terminal it answers without a restart."""
    from test_live_app import ask

    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    garbage = _damage(home)
    url, proc = start_app(home)
    try:
        _assert_names_the_damage(ask(url, QUESTION), home)
        _rebuild(home, garbage)
        answer = ask(url, QUESTION)
        assert CITED.search(answer) and "damaged" not in answer, answer
    finally:
        stop_app(proc)


def test_a_store_deleted_under_a_running_page_is_reported_and_an_ingest_brings_it_back(built_home, advisor_home,
                                                                                       page):
    from advisor.chain import get_advisor

    shutil.copytree(built_home, advisor_home)
    assert CITED.search(page(QUESTION))
    advisor = get_advisor()

    shutil.rmtree(advisor_home / "chroma")
    for question in (QUESTION, OTHER_QUESTION):
        shown = page(question)
        assert f"article store at {advisor_home / 'chroma'} was deleted" in shown, shown
        assert "python -m ingest" in shown and "went wrong" not in shown, shown
    assert not (advisor_home / "chroma").exists()  # a question does not make an empty store in its place

    result = run_cli("ingest", "--json", env={"ADVISOR_HOME": str(advisor_home)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["added"] == CORPUS_FILES
    again = page(QUESTION)
    assert CITED.search(again) and "deleted" not in again, again
    assert get_advisor() is advisor

    # Built again from other articles: the page follows the new store, not its memory of the old one (a new
    # store's revision once restarted at the old one's number, and the page kept the old subjects and refused).
    shutil.rmtree(advisor_home / "chroma")
    assert "was deleted" in page(QUESTION)
    result = run_cli("ingest", str(ROOT / "corpora" / "nursing"), env={"ADVISOR_HOME": str(advisor_home)})
    assert result.returncode == 0, result.stderr
    nursing = page("What does a nurse practitioner do?")
    assert CITED.search(nursing) and "don&#x27;t cover" not in nursing, nursing


def test_a_chroma_server_that_goes_down_mid_answer_is_named_and_answers_again_when_back(
        advisor_home, corpus_copy, restartable_chroma_server, page, monkeypatch):
    from advisor.chain import get_advisor
    from advisor.retrieval import HybridRetriever

    server = restartable_chroma_server
    monkeypatch.setenv("ADVISOR_CHROMA_URL", server.url)
    _reopen_settings()
    result = run_cli("ingest", "--json", str(corpus_copy), env={"ADVISOR_HOME": str(advisor_home),
                                                                "ADVISOR_CHROMA_URL": server.url})
    assert result.returncode == 0, result.stderr
    assert CITED.search(page(QUESTION))
    advisor = get_advisor()

    real_search = HybridRetriever.search

    def search_then_server_dies(self, *args, **kwargs):
        found = real_search(self, *args, **kwargs)
        if server.proc.poll() is None:
            server.stop()  # the passages are in; the rest of the answer meets a dead server
        return found

    monkeypatch.setattr(HybridRetriever, "search", search_then_server_dies)
    for question in (OTHER_QUESTION, QUESTION):  # mid-answer, then while it stays down
        shown = page(question)
        assert f"Cannot reach the Chroma server at {server.url}" in shown, shown
        assert "went wrong" not in shown and "Traceback" not in shown, shown
    monkeypatch.setattr(HybridRetriever, "search", real_search)

    server.start()  # the same port, the same data
    again = page(OTHER_QUESTION)
    assert CITED.search(again) and "Cannot reach" not in again, again
    assert get_advisor() is advisor


def test_two_ingests_and_an_upload_at_once_lose_and_duplicate_nothing(advisor_home, corpus_copy, tmp_path,
                                                                      monkeypatch):
    """Two ``python -m ingest`` runs and a visitor's upload through the page's upload function, all at once:
    they take turns, and the store holds every file of each, once, complete and searchable."""
    import app
    from advisor.store import iter_records, shared_collection
    from ingest.pipeline import list_sources

    more = tmp_path / "more"
    more.mkdir()
    for name, role in (("stewards.md", "Data stewards"), ("archivists.md", "Digital archivists"),
                       ("curators.md", "Data curators")):
        (more / name).write_text(f"# {role}\n\n{role} keep the catalogue of datasets accurate and decide which team "
                                 f"may use each dataset.\n\n## Pay\n\n{role} earn between £40k and £60k.\n")
    note = tmp_path / "visitor" / "team-notes.md"
    note.parent.mkdir()
    note.write_text("# Team notes\n\nOur team's data steward approves every request for the payroll dataset.\n")
    monkeypatch.setenv("ADVISOR_INGEST_LOCK_WAIT_S", "600")
    _reopen_settings()

    env = {**os.environ, "ADVISOR_HOME": str(advisor_home), "ADVISOR_INGEST_LOCK_WAIT_S": "600"}
    runs = [subprocess.Popen([sys.executable, "-m", "ingest", "--json", str(folder)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for folder in (corpus_copy, more)]
    status, _ = app.upload([str(note)], None, request=SimpleNamespace(session_hash="visitor-1"))
    outputs = [run.communicate(timeout=600) for run in runs]

    assert "Added 1 file(s)" in status, status
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err
    assert any("waiting for another ingest to finish…" in err for _, err in outputs), "they never overlapped"
    assert [json.loads(out.splitlines()[-1])["added"] for out, _ in outputs] == [CORPUS_FILES, 3]

    expected = ({p.name for p in corpus_copy.glob("*.md")} | {p.name for p in more.glob("*.md")}
                | {"uploads/visitor-1/team-notes.md"})
    rows = {row["source"]: row for row in list_sources()}
    assert set(rows) == expected
    assert all(row["ready"] for row in rows.values())
    by_source: dict[str, list[dict]] = {}
    for _, meta in iter_records(shared_collection()):
        by_source.setdefault(meta["source"], []).append(meta)
    for source, metas in by_source.items():  # every chunk once: as many as the file was cut into, no more
        assert len(metas) == metas[0]["chunk_count"], source
        assert len({m["chunk_index"] for m in metas}) == len(metas), source
    assert rows["uploads/visitor-1/team-notes.md"]["private"]


# ------------------------------------------------------------------ a step that fails

@pytest.mark.timeout(300)
@pytest.mark.parametrize("step", ["retrieve", "ground"])
def test_a_step_that_fails_once_costs_that_question_only(corpus_home, page, monkeypatch, step):
    """Issue 24, finding 2: one failed step broke the answer path for every later question. Now that question
    gets a short apology (no traceback, no hang) and the next one on the same page is answered."""
    from advisor.chain import get_advisor
    from advisor.grounding import Grounder
    from advisor.retrieval import HybridRetriever

    owner, name = {"retrieve": (HybridRetriever, "_diversify"), "ground": (Grounder, "support")}[step]
    real = getattr(owner, name)
    failures = []

    def fails_once(self, *args, **kwargs):
        if not failures:
            failures.append(name)
            raise ValueError("matmul: Input operand 0 does not have enough dimensions")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, fails_once)
    shown = page(QUESTION)
    assert failures == [name], f"the {step} step was never reached"
    assert shown == "Sorry, something went wrong while answering. Please try again.", shown
    advisor = get_advisor()
    again = page(OTHER_QUESTION)
    assert CITED.search(again) and "went wrong" not in again, again
    assert CITED.search(page(QUESTION))
    assert get_advisor() is advisor
