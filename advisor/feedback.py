"""Thumbs up/down on answers, stored durably in SQLite so real questions can grow the eval set."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from advisor.answer import Answer
from advisor.config import Settings, get_settings
from advisor.database import transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    question TEXT NOT NULL,
    rewritten_question TEXT,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    engine TEXT NOT NULL,
    citations TEXT NOT NULL,
    history TEXT,
    about TEXT
)
"""
# Databases made before the history column was added get it on first use.
_MIGRATIONS = ("ALTER TABLE feedback ADD COLUMN history TEXT", "ALTER TABLE feedback ADD COLUMN about TEXT")


def _connect(settings: Settings):
    return transaction(settings.feedback_db, _SCHEMA, _MIGRATIONS)


def record_feedback(answer: Answer, liked: bool, settings: Settings | None = None, *,
                    question: str | None = None, history=(), about: str = "") -> int:
    """Store one rating with everything needed to replay it as an eval case; returns its id.

    ``question`` is what the person typed (the answer may carry a cleaned or rewritten form)
    and ``history`` the (question, answer) turns before it, so a follow-up replays as asked; ``about`` is
    what the person said of themselves on the page, kept only with a rated answer so the case replays.
    """
    settings = settings or get_settings()
    citations = [{"id": c.id, "source": c.source, "title": c.title, "text": c.text} for c in answer.citations]
    with _connect(settings) as conn:
        cursor = conn.execute(
            "INSERT INTO feedback (created_at, rating, question, rewritten_question, answer, refused, engine, citations,"
            " history, about) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), 1 if liked else -1, question or answer.question, answer.rewritten_question, answer.text,
             int(answer.refused), answer.engine, json.dumps(citations),
             json.dumps([[str(q), str(a)] for q, a in history], ensure_ascii=False), about or None),
        )
        return int(cursor.lastrowid)


def all_feedback(settings: Settings | None = None) -> list[dict]:
    settings = settings or get_settings()
    if not settings.feedback_db.exists():
        return []
    with _connect(settings) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM feedback ORDER BY id")]


def export_cases(path: str | Path, settings: Settings | None = None) -> int:
    """Write ratings as eval cases (JSONL, the dataset's fields); returns how many.

    A liked answer becomes a case: its reference is that answer, its facts are the
    answer's sentences and its expected sources the ones it cited (a liked refusal is
    an ``unanswerable`` case). A disliked one becomes a case marked ``review: true``
    with what was answered and cited, for a person to correct; its answer is never the
    reference and it is never turned into a "must refuse" case. The question is what was
    typed, with the turns before it as ``history``, so the case replays as it was asked.
    """
    from advisor.text import split_sentences, strip_citations

    rows = all_feedback(settings)
    with Path(path).open("w", encoding="utf-8") as out:
        for row in rows:
            liked = row["rating"] == 1
            citations = json.loads(row["citations"])
            sources = sorted({c["source"] for c in citations})
            answered = not row["refused"]
            history = json.loads(row.get("history") or "[]")
            case = {
                "question": row["question"],
                "category": ("follow-up" if history else "factual") if answered or not liked else "unanswerable",
                "reference_answer": row["answer"] if answered and liked else "",
                "reference_facts": [strip_citations(s) for s in split_sentences(row["answer"])][:3]
                if liked and answered else [],
                "expected_sources": sources,
                "rating": row["rating"],
                "engine": row["engine"],
            }
            if history:
                case["history"] = history
            if row.get("about"):
                case["about"] = row["about"]
            if row["rewritten_question"] and row["rewritten_question"] != row["question"]:
                case["rewritten_question"] = row["rewritten_question"]
            if not liked:
                case.update(review=True, answer=row["answer"], citations=citations)
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
    return len(rows)
