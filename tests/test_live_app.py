"""The serving page while ``python -m ingest`` adds, updates and removes a document in another terminal.

The real app, the real CLI and gradio_client, as a user and an operator would run them,
with the embedded store and with a Chroma server (``ADVISOR_CHROMA_URL``).
"""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest
from conftest import run_cli, start_app, stop_app

QUESTION = "Who decides which team may use a dataset?"
ARTICLE = ("# Data stewards\n\nData stewards keep the catalogue of datasets accurate. A data steward decides "
           "which team may use each dataset and records why access was given.\n")


def ask(url: str, question: str) -> str:
    from gradio_client import Client

    chat, _, sources = Client(url, verbose=False).predict(question, [], api_name="/ask")
    content = chat[-1]["content"]
    return (content if isinstance(content, str) else str(content)) + "\n" + str(sources)


def ingest(env: dict, *args: str) -> dict:
    result = run_cli("ingest", "--json", *args, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _wait_for_prepared_vectors(home, timeout: float = 180) -> None:
    from advisor.embeddings import MODEL_NAME
    from advisor.vector_cache import VectorCache

    deadline = time.time() + timeout
    while len(VectorCache(home / "vectors.sqlite3", MODEL_NAME, 384)) < 100:
        assert time.time() < deadline, "the page never prepared the passages' vectors"
        time.sleep(1)


def _serve_and_change(env: dict, home, tmp_path):
    more = tmp_path / "more"
    more.mkdir()
    url, proc = start_app(home, **env)
    try:
        before = ask(url, "How much does an AI engineer earn?")
        assert re.search(r"\[\d+\]", before) and "went wrong" not in before

        (more / "stewards.md").write_text(ARTICLE)
        assert ingest(env, str(more))["added"] == 1
        added = ask(url, QUESTION)
        assert "catalogue of datasets" in added or "decides which team" in added, added
        assert "stewards.md" in added

        (more / "stewards.md").write_text(ARTICLE.replace("catalogue of datasets", "register of every dataset"))
        assert ingest(env, str(more))["updated"] == 1
        updated = ask(url, QUESTION)
        assert "catalogue of datasets" not in updated, updated
        assert "stewards.md" in updated

        removed = run_cli("ingest", "--remove", "stewards.md", env=env)
        assert removed.returncode == 0, removed.stderr
        gone = ask(url, QUESTION)
        assert "stewards.md" not in gone and "went wrong" not in gone, gone
        # The starter corpus still answers, in dense and keyword search alike.
        again = ask(url, "How much does an AI engineer earn?")
        assert again.split("\n")[0] == before.split("\n")[0]
        # Meanwhile the page has prepared the store's passages for later questions (advisor/vector_cache.py).
        _wait_for_prepared_vectors(home)
    finally:
        stop_app(proc)


def test_the_page_sees_documents_change_in_the_embedded_store(built_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    _serve_and_change({"ADVISOR_HOME": str(home)}, home, tmp_path)


@pytest.mark.usefixtures("corpus_copy")
def test_the_page_sees_documents_change_in_a_chroma_server(chroma_server, corpus_copy, tmp_path):
    home = tmp_path / "home"
    env = {"ADVISOR_HOME": str(home), "ADVISOR_CHROMA_URL": chroma_server}
    ingest(env, str(corpus_copy))
    _serve_and_change(env, home, tmp_path)
