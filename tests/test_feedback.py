"""Ratings stored in SQLite and exported as eval cases: liked answers become cases, disliked ones await review."""

import json

from conftest import run_cli

from advisor.answer import Answer, Citation
from advisor.feedback import all_feedback, record_feedback
from evals.dataset import load_cases


def test_export_keeps_sources_and_never_turns_a_dislike_into_must_refuse(advisor_home, tmp_path):
    from advisor.config import get_settings

    settings = get_settings()
    cited = [Citation(1, "pay.md", "Pay", "RNs earn $86,070 (BLS).", 0.9)]
    good = Answer("Registered nurses earn $86,070 a year, the BLS says [1].", cited, question="What do RNs earn?",
                  engine="extractive")
    bad = Answer("Nurses work shifts [1].", cited, question="What do NPs earn?", engine="local")
    refused = Answer("I can't answer that from my sources.", refused=True, question="Capital of France?",
                     engine="extractive")
    for answer, liked in ((good, True), (bad, False), (refused, True)):
        record_feedback(answer, liked=liked, settings=settings)
    assert [r["rating"] for r in all_feedback(settings)] == [1, -1, 1]

    out = tmp_path / "cases.jsonl"
    result = run_cli("advisor", "feedback", "--export", str(out), env={"ADVISOR_HOME": str(advisor_home)})
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["expected_sources"] == ["pay.md"] and "$86,070" in rows[0]["reference_facts"][0]
    assert rows[1]["review"] is True and rows[1]["answer"] == bad.text and rows[1]["expected_sources"] == ["pay.md"]
    assert rows[2]["category"] == "unanswerable" and rows[2]["expected_sources"] == []
    cases = load_cases(out)  # the disliked answer is not a case until a person reviews it
    assert [c.question for c in cases] == ["What do RNs earn?", "Capital of France?"]
    assert cases[0].answerable and not cases[1].answerable


def test_export_replays_what_was_typed_and_never_makes_a_dislike_the_reference(advisor_home, tmp_path):
    """Issue 24, finding 6: the export wrote the rewritten question and used a disliked answer as reference."""
    from advisor.config import get_settings
    from advisor.feedback import export_cases

    settings = get_settings()
    cited = [Citation(1, "pay.md", "Pay", "RNs earn $86,070 (BLS).", 0.9)]
    follow_up = Answer("Registered nurses earn $86,070 a year [1].", cited, question="And how much do they earn?",
                       rewritten_question="how much do registered nurses earn?", engine="extractive")
    history = [("What does a registered nurse do?", "They coordinate patient care [1].")]
    record_feedback(follow_up, liked=True, settings=settings, question="And how much do they earn?", history=history)
    record_feedback(follow_up, liked=False, settings=settings, question="And how much do they earn?", history=history)
    out = tmp_path / "cases.jsonl"
    assert export_cases(out, settings) == 2
    liked, disliked = [json.loads(line) for line in out.read_text().splitlines()]
    assert liked["question"] == "And how much do they earn?" and liked["history"] == [list(history[0])]
    assert liked["category"] == "follow-up" and liked["reference_answer"] == follow_up.text
    assert disliked["reference_answer"] == "" and disliked["review"] is True
    (case,) = load_cases(out)
    assert case.history == [history[0]]
