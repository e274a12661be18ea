"""Uploads on the page answer only the visitor who uploaded them, and go away.

The real app through gradio_client: every ``Client`` is its own page session, as a
browser tab is.
"""

from __future__ import annotations

import re
import shutil
import time

import pytest
from conftest import run_cli, start_app, stop_app

QUESTION = "Who decides which team may use a dataset?"
NOTE = ("# Data stewards\n\nData stewards keep the catalogue of datasets accurate. A data steward decides "
        "which team may use each dataset and records why access was given.\n")
PLANTED = ("# Salaries\n\nAn AI engineer earns $9,999,999 per year according to this note. "
           "AI engineer salaries are $9,999,999 everywhere.\n")


class Tab:
    """One visitor's page session."""

    def __init__(self, url: str) -> None:
        from gradio_client import Client

        self.client = Client(url, verbose=False)

    def upload(self, *paths) -> str:
        from gradio_client import handle_file

        return self.client.predict([handle_file(str(p)) for p in paths], api_name="/upload")

    def ask(self, question: str) -> str:
        chat, _, sources = self.client.predict(question, [], api_name="/ask")
        content = chat[-1]["content"]
        return (content if isinstance(content, str) else str(content)) + "\n" + str(sources)


def _app(built_home, tmp_path, **env):
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    return start_app(home, **env)


@pytest.fixture
def files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "notes.md").write_text(NOTE)
    (b / "notes.md").write_text(NOTE.replace("catalogue of datasets", "register of every dataset"))
    (a / "salaries-and-job-market.md").write_text(PLANTED)
    return a, b


def test_an_upload_answers_only_its_own_session(built_home, tmp_path, files):
    a, b = files
    url, proc = _app(built_home, tmp_path)
    try:
        first, second, third = Tab(url), Tab(url), Tab(url)
        status = first.upload(a / "notes.md", a / "salaries-and-job-market.md")
        assert "Added 2 file(s)" in status and "Only you see them" in status, status
        # The same file name from another visitor is another file.
        assert "Added 1 file(s)" in second.upload(b / "notes.md")

        mine = first.ask(QUESTION)
        assert "catalogue of datasets" in mine and "register of every dataset" not in mine, mine
        theirs = second.ask(QUESTION)
        assert "register of every dataset" in theirs and "catalogue of datasets" not in theirs, theirs
        nobody = third.ask(QUESTION)
        assert "catalogue of datasets" not in nobody and "register of every dataset" not in nobody, nobody

        # A planted file named like a corpus article replaces nothing for anyone else.
        pay = third.ask("How much does an AI engineer earn per year?")
        assert "9,999,999" not in pay and re.search(r"\[\d+\]", pay), pay
        listed = run_cli("ingest", "--list", env={"ADVISOR_HOME": str(tmp_path / "home")})
        assert "salaries-and-job-market.md\t" in listed.stdout  # the corpus article, whole
        assert listed.stdout.count("(a visitor's private upload)") == 3, listed.stdout
    finally:
        stop_app(proc)


def test_uploads_expire(built_home, tmp_path, files):
    a, _ = files
    url, proc = _app(built_home, tmp_path, ADVISOR_UPLOAD_TTL_MINUTES="0.05")  # 3 s
    try:
        tab = Tab(url)
        assert "Added 1 file(s)" in tab.upload(a / "notes.md")
        deadline = time.time() + 60
        while "catalogue of datasets" in tab.ask(QUESTION):
            assert time.time() < deadline, "the upload outlived its time to live"
            time.sleep(2)
        listed = run_cli("ingest", "--list", env={"ADVISOR_HOME": str(tmp_path / "home")})
        assert "private upload" not in listed.stdout
    finally:
        stop_app(proc)


def test_published_uploads_answer_everyone(built_home, tmp_path, files):
    a, _ = files
    url, proc = _app(built_home, tmp_path, ADVISOR_PUBLISH_UPLOADS="true")
    try:
        status = Tab(url).upload(a / "notes.md")
        assert "shared library" in status, status
        assert "catalogue of datasets" in Tab(url).ask(QUESTION)
    finally:
        stop_app(proc)


def test_a_private_upload_stays_out_of_the_shared_index_in_process(built_home, advisor_home, files):
    """The retriever's contract, below the page: ``session=`` sees its uploads, nobody else does."""
    from advisor.retrieval import get_retriever
    from ingest.pipeline import ingest_uploads, remove_uploads

    a, _ = files
    shutil.copytree(built_home, advisor_home)
    report = ingest_uploads([(a / "notes.md", "notes.md")], "session-1")
    assert report.added == ["uploads/session-1/notes.md"]
    retriever = get_retriever()
    shared_vocabulary = set(retriever.keyword_index().idf)
    own = retriever.invoke(QUESTION, session="session-1")
    assert own[0].metadata["source"] == "uploads/session-1/notes.md"
    assert all(d.metadata.get("owner") is None for d in retriever.invoke(QUESTION))
    assert all(d.metadata.get("owner") is None for d in retriever.invoke(QUESTION, session="session-2"))
    assert "steward" in retriever.keyword_index("session-1").idf and "steward" not in shared_vocabulary
    assert remove_uploads(owner="session-1") == 1
    assert all(d.metadata.get("owner") is None for d in retriever.invoke(QUESTION, session="session-1"))
