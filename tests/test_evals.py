"""The eval harness as CI uses it, and the relevance gate's calibration."""

from __future__ import annotations

import json

import numpy as np
import yaml

from evals.calibrate_gate import best_threshold, fit, roc_auc
from conftest import run_cli


def test_threshold_search_separates_and_prefers_the_widest_margin():
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    labels = np.array([0, 0, 0, 1, 1, 1])
    threshold, accuracy, margin = best_threshold(scores, labels)
    assert accuracy == 1.0
    assert abs(threshold - 0.5) < 1e-9 and abs(margin - 0.2) < 1e-9
    assert roc_auc(scores, labels) == 1.0
    assert roc_auc(scores, 1 - labels) == 0.0


def test_fit_finds_the_weight_that_keyword_evidence_needs():
    # Dense similarity alone cannot separate these; adding coverage with a weight near 0.5 can.
    features = np.array([[0.40, 0.0], [0.35, 0.1], [0.30, 0.9], [0.32, 0.8]])
    labels = np.array([0, 0, 1, 1])
    result = fit(features, labels, weights=(0.0, 0.5))
    assert result.weight == 0.5 and result.balanced_accuracy == 1.0


def test_configured_gate_matches_its_calibration(corpus_home):
    """The shipped weight and threshold must still be (near) the best fit on the labelled questions."""
    result = run_cli("evals.calibrate_gate", "--check", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["configured"]["balanced_accuracy"] >= 0.95, report["misjudged_by_configured_gate"]
    assert report["questions"]["answer"] >= 50 and report["questions"]["refuse"] >= 50


def test_eval_runner_writes_reports_and_fails_on_a_missed_threshold(corpus_home, tmp_path):
    dataset = tmp_path / "cases.yaml"
    dataset.write_text(yaml.safe_dump([
        {"question": "What tools does an AI engineer use?", "category": "factual",
         "reference_answer": "LangChain, vector databases and model APIs.",
         "reference_facts": ["LangChain"], "expected_sources": ["ai-engineer-role.md"]},
        {"question": "What is the capital of France?", "category": "unanswerable",
         "reference_answer": "", "reference_facts": [], "expected_sources": []},
    ]))
    out = tmp_path / "out"
    first = run_cli("evals", "--engine", "extractive", "--dataset", str(dataset), "--out", str(out))
    report = json.loads((out / "report.json").read_text())
    summary = report["engines"]["extractive"]["summary"]
    misses = report["engines"]["extractive"]["misses"]
    assert first.returncode == (1 if misses else 0), first.stdout + first.stderr
    assert summary["refusal_accuracy_unanswerable"] == 1.0
    assert summary["refusal_accuracy_answerable"] == 1.0
    assert (out / "report.md").read_text().count("What is the capital of France?") >= 1
    assert (out / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # A threshold nothing can reach must fail the run.
    thresholds = tmp_path / "thresholds.yaml"
    thresholds.write_text("faithfulness: 1.01\n")
    strict = run_cli("evals", "--engine", "extractive", "--dataset", str(dataset), "--out", str(tmp_path / "o2"),
                     "--thresholds", str(thresholds), "--compare", str(out / "report.json"))
    assert strict.returncode == 1
    assert "THRESHOLD MISSED: faithfulness" in strict.stdout
    assert "faithfulness +0.000" in strict.stdout  # same cases, deterministic engine: no change


def test_eval_runner_rejects_a_bad_dataset(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- question: only a question\n")
    result = run_cli("evals", "--dataset", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr
