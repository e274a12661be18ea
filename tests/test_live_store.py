"""A serving process keeps its shared client while ``python -m ingest`` changes the store in another one.

The embedded Chroma client does not see another process's writes by itself (queries
failed with "Error finding id"); ``shared_collection`` reopens it when the store's
REVISION marker changes. These tests query the way the app does, from this process,
around real CLI runs in subprocesses.
"""

import json

from conftest import run_cli

QUESTION = "Who decides which team may use a dataset?"


def _look(source: str):
    """Query and read the store through the app's accessor; (count, top hit's source, documents of ``source``)."""
    from advisor.embeddings import get_embeddings
    from advisor.store import searchable_where, shared_collection

    collection = shared_collection()
    vector = get_embeddings().encode([QUESTION])[0]
    hits = collection.query(query_embeddings=[vector], n_results=3, where=searchable_where(), include=["metadatas"])
    found = collection.get(where=searchable_where({"source": source}), include=["documents"])
    return collection.count(), hits["metadatas"][0][0]["source"], found["documents"]


def _ingest(home, *args: str) -> dict:
    result = run_cli("ingest", "--json", *args, env={"ADVISOR_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_queries_see_another_process_add_update_and_remove_a_document(advisor_home, corpus_copy, tmp_path):
    _ingest(advisor_home, str(corpus_copy))
    count, _, documents = _look("stewards.md")
    assert documents == []

    more = tmp_path / "more"
    more.mkdir()
    article = more / "stewards.md"
    article.write_text("# Data stewards\n\nData stewards keep the catalogue of datasets accurate and decide "
                       "which team may use each dataset.\n")
    _ingest(advisor_home, str(more))
    added, top, documents = _look("stewards.md")
    assert added == count + 1
    assert top == "stewards.md"
    assert len(documents) == 1 and "catalogue of datasets" in documents[0]

    article.write_text(article.read_text().replace("catalogue of datasets", "register of every dataset"))
    assert _ingest(advisor_home, str(more))["updated"] == 1
    updated, top, documents = _look("stewards.md")
    assert updated == added and top == "stewards.md"
    assert len(documents) == 1 and "register of every dataset" in documents[0]

    removed = run_cli("ingest", "--remove", "stewards.md", env={"ADVISOR_HOME": str(advisor_home)})
    assert removed.returncode == 0, removed.stderr
    after, top, documents = _look("stewards.md")
    assert after == count and top != "stewards.md" and documents == []


def test_app_start_makes_a_store_from_before_the_ready_flag_searchable(advisor_home, corpus_copy):
    from advisor.store import searchable_where, shared_collection
    from ingest.pipeline import ensure_store

    total = _ingest(advisor_home, str(corpus_copy))["total_chunks"]
    collection = shared_collection()
    ids = collection.get(include=[])["ids"]
    collection.update(ids=ids, metadatas=[{"ready": None}] * len(ids))  # as built before the flag existed
    collection.modify(metadata={"revision": 1})
    assert shared_collection().get(where=searchable_where(), include=[])["ids"] == []

    assert ensure_store() is None  # what app.py and the evals call at start
    assert len(shared_collection().get(where=searchable_where(), include=[])["ids"]) == total
