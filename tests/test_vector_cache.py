"""Passages prepared ahead of questions: their vectors are kept on disk and answering reads them (issue #12's latency).

The real embedding model, a real SQLite file and a real store built by the CLI.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from advisor.chain import Advisor, shared_grounder
from advisor.embeddings import MODEL_NAME, get_embeddings
from advisor.grounding import Grounder
from advisor.vector_cache import VectorCache

TEXTS = ["A bookkeeper records every payment in the ledger.", "Auditors check the ledger once a year.",
         "Okafor became a CPA after four years at a small firm."]


class _Counting:
    """The real embedding model, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        self.model = get_embeddings()
        self.dimension = self.model.dimension
        self.encoded: list[str] = []

    def encode(self, texts, batch_size=None, background=False):
        self.encoded += list(texts)
        return self.model.encode(list(texts), batch_size=batch_size, background=background)


def test_prepared_vectors_outlive_the_process_and_spare_the_encoder(tmp_path):
    path = tmp_path / "vectors.sqlite3"
    first = _Counting()
    assert Grounder(first, disk=VectorCache(path, MODEL_NAME, first.dimension)).prepare(TEXTS + TEXTS[:1]) == 3
    assert first.encoded == TEXTS  # each text once

    later = _Counting()  # a new grounder on the same file: a restarted page, or another process
    grounder = Grounder(later, disk=VectorCache(path, MODEL_NAME, later.dimension))
    assert grounder.prepare(TEXTS) == 0
    vectors = grounder.embed([*TEXTS, "A text nobody prepared."])
    assert later.encoded == ["A text nobody prepared."]
    assert np.allclose(vectors[:3], get_embeddings().encode(TEXTS), atol=1e-5)


def test_a_damaged_vectors_file_costs_time_not_answers(tmp_path):
    path = tmp_path / "vectors.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    counting = _Counting()
    vectors = Grounder(counting, disk=VectorCache(path, MODEL_NAME, counting.dimension)).embed(TEXTS)
    assert counting.encoded == TEXTS and vectors.shape == (3, counting.dimension)


def test_vectors_of_another_model_or_size_are_not_used(tmp_path):
    path = tmp_path / "vectors.sqlite3"
    VectorCache(path, MODEL_NAME, 384).put(TEXTS, get_embeddings().encode(TEXTS))
    assert len(VectorCache(path, MODEL_NAME, 384).get(TEXTS)) == 3
    assert VectorCache(path, "another-model", 384).get(TEXTS) == {}
    assert VectorCache(path, MODEL_NAME, 768).get(TEXTS) == {}
    assert VectorCache(tmp_path / "none.sqlite3", MODEL_NAME, 384).missing(TEXTS) == TEXTS


@pytest.fixture
def home_copy(built_home, tmp_path, monkeypatch):
    """A private copy of the built starter store (preparing writes a file into its home)."""
    from advisor import chain, store

    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    monkeypatch.setenv("ADVISOR_HOME", str(home))
    chain.reset()
    store.reset()
    yield home
    chain.reset()
    store.reset()


QUESTIONS = ["What math does an ML engineer need?", "Which tools do ML engineers use for deployment and MLOps?"]


def _encoded_while_answering(advisor: Advisor, question: str) -> list[str]:
    grounder = advisor.grounder
    counting = _Counting()
    real, grounder.embeddings = grounder.embeddings, counting
    grounder._cache.clear()  # nothing from earlier tests: only the prepared vectors may spare the encoder
    try:
        advisor.ask(question)
    finally:
        grounder.embeddings = real
    return counting.encoded


def test_answering_a_prepared_store_embeds_only_the_question_and_what_the_answer_adds(home_copy):
    advisor = Advisor(engine="extractive")
    unprepared = {q: _encoded_while_answering(advisor, q) for q in QUESTIONS}
    assert not (home_copy / "vectors.sqlite3").exists()  # answering alone writes nothing to disk

    passages, encoded = advisor.prepare_passages()
    assert passages == advisor.store_retriever.collection().count() and encoded > 10 * passages // 2
    assert advisor.prepare_passages() == (passages, 0)  # prepared once

    for question in QUESTIONS:
        prepared = _encoded_while_answering(advisor, question)
        # The question (subjects spelled out, as retrieval and ranking read it); every passage text was ready.
        assert len(prepared) <= 2 and len(unprepared[question]) > 20, (prepared, len(unprepared[question]))
    assert shared_grounder() is advisor.grounder


def test_a_stream_its_reader_left_half_read_stops_pausing_preparation(home_copy, monkeypatch):
    import threading

    from advisor import chain

    advisor = Advisor(engine="extractive")
    left = advisor.stream(QUESTIONS[0])
    next(left)  # the page took the first words, then dropped the stream (it is not closed or collected)
    done = threading.Event()
    threading.Thread(target=lambda: (advisor.prepare_passages(), done.set()), daemon=True).start()
    try:
        assert not done.wait(3)  # an answer being read pauses preparation
        monkeypatch.setattr(chain, "STALLED_STREAM_S", 1.0)
        assert done.wait(180)  # one its reader stopped reading does not hold it any longer
    finally:
        left.close()
