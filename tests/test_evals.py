"""The eval harness as CI uses it, its metrics on answers they must fail, and the gate's calibration."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import yaml

from conftest import run_cli

from advisor.gate import best_threshold, fit
from evals.support import roc_auc


def test_threshold_search_separates_and_prefers_the_widest_margin():
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    labels = np.array([0, 0, 0, 1, 1, 1])
    threshold, accuracy, margin = best_threshold(scores, labels)
    assert accuracy == 1.0
    assert abs(threshold - 0.5) < 1e-9 and abs(margin - 0.2) < 1e-9
    assert roc_auc(labels, scores) == 1.0
    assert roc_auc(1 - labels, scores) == 0.0


def test_fit_finds_the_weight_that_keyword_evidence_needs():
    # Dense similarity alone cannot separate these; adding coverage with a weight near 0.5 can.
    features = np.array([[0.40, 0.0], [0.35, 0.1], [0.30, 0.9], [0.32, 0.8]])
    labels = np.array([0, 0, 1, 1])
    result = fit(features, labels, weights=(0.0, 0.5))
    assert result.weight == 0.5 and result.balanced_accuracy == 1.0


def test_automatic_gate_is_near_the_labelled_best_fit(corpus_home):
    """The gate calibrated with no labels must come close to a fit on 142 labelled questions."""
    result = run_cli("evals.calibrate_gate", "--check", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["automatic"]["method"] == "auto"
    assert report["automatic"]["balanced_accuracy"] >= 0.93, report["misjudged_by_automatic_gate"]
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
    summary = report["corpora"]["store"]["engines"]["extractive"]["summary"]
    misses = report["corpora"]["store"]["engines"]["extractive"]["misses"]
    assert first.returncode == (1 if misses else 0), first.stdout + first.stderr
    assert summary["refusal_accuracy_unanswerable"] == 1.0
    assert summary["refusal_accuracy_answerable"] == 1.0
    assert summary["model_written_share"] is None  # the extractive engine drafts nothing
    assert (out / "report.md").read_text().count("What is the capital of France?") >= 1
    assert (out / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # A threshold nothing can reach must fail the run.
    thresholds = tmp_path / "thresholds.yaml"
    thresholds.write_text("minimum:\n  faithfulness: 1.01\nmaximum:\n  form_defect_rate: -1\n")
    strict = run_cli("evals", "--engine", "extractive", "--dataset", str(dataset), "--out", str(tmp_path / "o2"),
                     "--thresholds", str(thresholds), "--compare", str(out / "report.json"))
    assert strict.returncode == 1
    assert "THRESHOLD MISSED: faithfulness" in strict.stdout
    assert "THRESHOLD MISSED: form_defect_rate" in strict.stdout
    assert "faithfulness +0.000" in strict.stdout  # same cases, deterministic engine: no change


def test_eval_runner_rejects_a_bad_dataset(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- question: only a question\n")
    result = run_cli("evals", "--dataset", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_corpus_is_a_usage_error(tmp_path):
    result = run_cli("evals", "--corpus", "no-such-corpus", "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "unknown corpus" in result.stderr and "Traceback" not in result.stderr


def test_jobs_below_one_is_a_usage_error(tmp_path, capsys):
    from evals.__main__ import main

    assert main(["--corpus", "starter", "--jobs", "0", "--out", str(tmp_path / "out")]) == 2
    assert "--jobs 0" in capsys.readouterr().err


# ------------------------------------------------------------------ metrics that can fail

from advisor.answer import Answer, Citation  # noqa: E402
from evals.dataset import Case  # noqa: E402
from evals.metrics import citation_validity, faithfulness, form_report, is_fragment  # noqa: E402
from evals.support import claim_support  # noqa: E402

PASSAGE = ("The BLS says registered nurses earned a median of $86,070 in May 2023. Most work in hospitals. "
           "Nurse practitioners earned a median of $126,260.")


def test_faithfulness_fails_an_invented_figure_and_claim():
    good = Answer(text="Registered nurses earned a median of $86,070 in May 2023 [1].", contexts=[PASSAGE])
    wrong_figure = Answer(text="Registered nurses earned a median of $96,070 in May 2023 [1].", contexts=[PASSAGE])
    invented = Answer(text="Registered nurses mostly work night shifts on cruise ships [1].", contexts=[PASSAGE])
    assert faithfulness(good) == 1.0
    assert faithfulness(wrong_figure) == 0.0
    assert faithfulness(invented) == 0.0
    assert claim_support("Most work in hospitals.", [PASSAGE]) > claim_support("Most work on ships.", [PASSAGE])


def test_citation_validity_fails_a_citation_of_the_wrong_passage():
    other = "Pilots fly aircraft for airlines."
    answer = Answer(text="Registered nurses earned a median of $86,070 in May 2023 [2].", contexts=[PASSAGE, other],
                    citations=[Citation(1, "a.md", "A", PASSAGE, 1.0), Citation(2, "b.md", "B", other, 1.0)])
    assert citation_validity(answer) == 0.0


def test_form_metrics_catch_fragments_orphans_duplicates_and_off_topic(corpus_home):
    from advisor.chain import shared_grounder

    case = Case(question="What do registered nurses earn?", category="factual",
                reference_answer="A median of $86,070 in May 2023 (BLS).", reference_facts=["$86,070"],
                expected_sources=["a.md"])
    answer = Answer(text=("She works in hospitals [1].\nThe main duties are: [1]\n"
                          "Registered nurses earned a median of $86,070 in May 2023 [1].\n"
                          "Registered nurses earned a median of $86,070 in May 2023, the BLS says [1].\n"
                          "Volcanoes form where tectonic plates meet [1]."), contexts=[PASSAGE])
    form = form_report(shared_grounder(), answer, case)
    assert form["orphans"] == 1 and form["fragments"] >= 1 and form["duplicates"] == 1 and form["off_topic"] >= 1
    assert not form["first_answers"]
    # Judged against the dataset's other questions, a true sentence that answers another of them is off this one.
    duties = Answer(text=("Registered nurses provide and coordinate patient care [1].\n"
                          "Registered nurses earned a median of $86,070 in May 2023 [1]."), contexts=[PASSAGE])
    duties_case = Case(question="What does a registered nurse do?", category="factual",
                       reference_facts=["provide and coordinate patient care"], expected_sources=["a.md"])
    others = ["What do registered nurses earn?", "Where do most registered nurses work?", "How do I become an RN?"]
    assert form_report(shared_grounder(), duties, duties_case, others)["off_topic"] == 1
    assert is_fragment("Both roles share Python, data handling, ML [4]") and not is_fragment("Both roles use Python.")
    # An advice question is judged with what the person said in the About-you box: a sentence on that is on it.
    bedside = Answer(text="Nurse practitioners spend much of their day with patients at the bedside [1].",
                     contexts=[PASSAGE])
    advice = Case(question="Which of the two suits me?", category="advice", reference_facts=["a master's degree"],
                  expected_sources=["a.md"])
    told = dataclasses.replace(advice, about="I love caring for patients at the bedside.")
    others = [*others, "Which pays more?"]
    assert form_report(shared_grounder(), bedside, advice, others)["off_topic"] == 1
    assert form_report(shared_grounder(), bedside, told, others)["off_topic"] == 0
    # "By these figures" points back like "These figures" does: an orphan under a sentence from another source.
    torn = Answer(text=("Registered nurses earned a median of $86,070 in May 2023 [1].\n"
                        "By these figures the nurse practitioner earns more [2].\n"
                        "In May 2023 registered nurses earned a median of $86,070 [1]."), contexts=[PASSAGE])
    assert form_report(shared_grounder(), torn, case)["orphans"] == 1
    # A sentence that restates a part of an earlier one is a duplicate, however far it is by cosine.
    split = Answer(text=("Registered nurses coordinate patient care, and nurse practitioners diagnose and prescribe [1].\n"
                         "Nurse practitioners diagnose and prescribe [1].\n"
                         "Registered nurses earned a median of $86,070 in May 2023 [1]."), contexts=[PASSAGE])
    assert form_report(shared_grounder(), split, case)["duplicates"] == 1


# ------------------------------------------------------------------ sentence quality (issue #12)

from evals.sentence_quality import answers_the_kind, completeness, sentence_quality  # noqa: E402


def test_completeness_fails_fragments_and_passes_whole_sentences():
    whole = ["Registered nurses earned a median of $86,070 in May 2023 [1].", "Both roles use Python.",
             "[1] Nurse practitioners in clinics usually keep normal business hours. [2]"]
    broken = ["The BLS says registered nurses earned a median of [1]",  # cut off on a function word
              "Registered nurses earned a median of $86,",  # cut off inside a figure
              "The main duties are: [1]",  # a lead-in whose list never came
              "more than 355,000 NPs are licensed in the US.",  # starts mid-sentence
              "Kubernetes", "[1] [2] [3]", "ML platform engineer [1]",  # a bare item, citation marks, a stub
              "[1] California, Florida, Georgia, Texas and Virginia.",  # a bare list of names
              "Skills On Point, [2] Graduates take the NCLEX-RN exam.",  # a citation spliced into the middle
              "The video summary gives a US median salary of around $250,000 for an ML"]  # no end at all
    assert all(completeness(s) == 1.0 for s in whole), [(s, completeness(s)) for s in whole]
    assert all(completeness(s) <= 0.1 for s in broken), [(s, completeness(s)) for s in broken]
    assert completeness("He considers it easier to get into.") < 1.0  # orphan pronoun opening
    assert completeness("**Salary** | $86,070 |") < 0.5  # Markdown debris


def test_sentence_quality_fails_cut_off_off_topic_and_unsupported_sentences():
    question, reference, facts = "What do registered nurses earn?", "A median of $86,070 in May 2023 (BLS).", ["$86,070"]
    # The eval dataset's other questions: relevance is the margin of the sentence's own question over them.
    others = ["What does a registered nurse do?", "Where do most registered nurses work?", "How do I become an RN?"]

    def score(sentence: str) -> float:
        return sentence_quality(sentence, [PASSAGE], question, reference, facts, other_questions=others).score

    good = score("Registered nurses earned a median of $86,070 in May 2023 [1].")
    assert good >= 0.5
    assert score("The BLS says registered nurses earned a median of [1]") < 0.05  # cut off
    assert score("Most registered nurses work in hospitals [1].") < 0.3  # supported, but not about pay
    assert score("Registered nurses earned a median of $96,070 in May 2023 [1].") < 0.1  # wrong figure
    assert score("Registered nurses mostly work night shifts on cruise ships [1].") < 0.1  # invented
    # A "how much" question is not answered by a sentence without a figure, however close its words.
    assert sentence_quality("Registered nurses are paid well [1].", [PASSAGE], "How much do registered nurses earn?").relevance < 0.2
    # A figure in words answers it too; "one of" is not a figure.
    assert answers_the_kind("How long does a bookkeeping course take?", "It takes about two years [1].")
    assert not answers_the_kind("How long does a bookkeeping course take?", "It is one of the paths [1].")
    # "How much" inside a yes/no question asks for no figure; opening a clause of the question, it does.
    assert answers_the_kind("Do all sources agree on how much auditors earn?", "No, the sources disagree [1].")
    assert not answers_the_kind("Is it worth it, and how much does it cost?", "It is worth it [1].")


def test_a_sentence_of_cited_quotes_is_as_supported_as_its_weakest_quote():
    from evals.sentence_quality import quote_support

    pay = "The BLS gives a median of $86,070 for registered nurses."
    survey = "A survey by the state board found an average of $91,000 for registered nurses."
    both = "The BLS gives a median of $86,070 [1]; a state board survey found an average of $91,000 [2]."
    assert quote_support(both, [pay, survey]) >= 0.8  # each quote is in its own passage
    assert quote_support(both.replace("$91,000", "$99,000"), [pay, survey]) < 0.5  # one quote is wrong
    assert quote_support("The BLS gives a median of $86,070.", [pay]) == quote_support(
        "The BLS gives a median of $86,070.", [pay, survey])  # a plain sentence is read whole


def test_faithfulness_check_reports_the_four_label_auc_on_both_halves():
    from evals.faithfulness_check import evaluate_metric

    result = evaluate_metric()
    assert (result["tuning"], result["held_out"]) == (163, 161)  # both batches, each split before any metric saw it
    for key in ("quality_tuning_auc", "faithfulness_auc_heldout", "quality_held_out_auc_unsupported",
                "held_out_auc_unsupported"):
        assert 0.5 < result[key] <= 1.0, (key, result[key])
    thresholds = yaml.safe_load((Path(__file__).resolve().parents[1] / "evals" / "thresholds.yaml").read_text())
    assert result["faithfulness_auc_heldout"] >= thresholds["minimum"]["faithfulness_auc_heldout"]
    assert result["second_reader_sentences"] == 324  # every sentence read twice, blind
    assert 0.0 < result["second_reader_kappa"] < result["second_reader_agreement"] < 1.0


def test_the_second_reader_agreement_counts_differing_labels(tmp_path):
    from evals.faithfulness_check import second_reader

    rows = [{"corpus": "c", "question": "q", "sentence": f"s{i}", "label": label, "split": "held-out"}
            for i, label in enumerate(["supported", "supported", "off-topic", "fragment"])]
    second = [dict(r, label=label) for r, label in zip(rows, ["supported", "off-topic", "off-topic", "fragment"])]
    path = tmp_path / "second.yaml"
    path.write_text(yaml.safe_dump([{k: r[k] for k in ("corpus", "question", "sentence", "label")} for r in second]))

    class Q:
        def __init__(self, score):
            self.score = score

    quality = {id(r): Q(s) for r, s in zip(rows, [0.9, 0.8, 0.2, 0.1])}
    result = second_reader(rows, quality, path)
    assert result["second_reader_agreement"] == 0.75
    assert result["second_reader_supported_agreement"] == 0.75
    assert result["quality_held_out_auc_second_reader"] == 1.0  # the one the second reader calls supported scores top
    assert result["second_reader_held_out_auc"] == 0.75  # the reader's verdicts as a score: one miss, two ties
    assert second_reader(rows, quality, tmp_path / "missing.yaml") == {}


def test_an_opening_pronoun_is_told_from_a_noun_phrase():
    from evals.metrics import _PRONOUN_OPENING

    for orphan in ("She builds the ledger.", "All of this falls to the board.", "Both pay well.", "Most of them agree."):
        assert _PRONOUN_OPENING.match(orphan), orphan
    for whole in ("Both roles pay well.", "Both Okafor and Mensah agree.", "IT audits are yearly.", "Items are listed."):
        assert not _PRONOUN_OPENING.match(whole), whole


def test_the_engine_comparison_tells_reordered_answers_from_different_ones():
    from evals.report import compare_engines, render_markdown

    def row(question, answer, faithfulness, answerable=True):
        return {"question": question, "answer": answer, "answerable": answerable, "category": "factual",
                "scores": {"faithfulness": faithfulness, "fact_recall": 1.0, "answer_relevance": 0.5, "failures": [],
                           "citation_validity": 1.0}}

    a, b, c = "Auditors check accounts. [1]", "Bookkeepers keep ledgers. [2]", "Okafor earns $90,000. [1]"
    first = [row("same?", a, 1.0), row("reordered?", f"{a} {b}", 1.0), row("new?", a, 1.0),
             row("off?", "No sources cover this.", 1.0, answerable=False)]
    second = [row("same?", a, 1.0), row("reordered?", f"{b} {a}", 1.0), row("new?", f"{a} {c}", 0.5),
              row("off?", "Nothing here.", 1.0, answerable=False)]
    [compared] = compare_engines({"extractive": {"rows": first}, "local": {"rows": second}})
    assert compared["cases"] == 3 and compared["answers_differ"] == 2 and compared["sentences_differ"] == 1
    assert compared["questions"] == ["new?"]
    assert compared["scored_differently"] == {"faithfulness": 1, "fact_recall": 0, "answer_relevance": 0,
                                              "citation_validity": 0}
    report = {"corpora": {"toy": {"dataset": "toy.yaml", "cases": 4, "engines_compared": [compared], "engines": {
        e: {"summary": {"faithfulness": 1.0}, "misses": [], "rows": rows, "per_category": {}}
        for e, rows in (("extractive", first), ("local", second))}}}, "thresholds": {}, "seconds": 1}
    assert "| toy | extractive / local | 3 | 2 | 1 | 1 | 0 | 0 | 0 |" in render_markdown(report)


def test_blind_corpora_get_their_own_thresholds_and_every_report_splits_by_question():
    from evals.__main__ import blind_figures, thresholds_for
    from evals.dataset import Case

    thresholds = {"minimum": {"fact_recall": 0.8, "faithfulness": 0.9}, "maximum": {"off_topic_rate": 0.4},
                  "blind": {"minimum": {"fact_recall": 0.6}}}
    assert thresholds_for("nursing", thresholds)["minimum"]["fact_recall"] == 0.8
    blind = thresholds_for("blind-trades", thresholds)
    assert blind["minimum"] == {"fact_recall": 0.6, "faithfulness": 0.9} and blind["maximum"] == {"off_topic_rate": 0.4}
    # a blind set built later is gated at its own first measurement, over the shared blind values
    thresholds["corpora"] = {"blind-later": {"minimum": {"fact_recall": 0.5}}}
    assert thresholds_for("blind-later", thresholds)["minimum"] == {"fact_recall": 0.5, "faithfulness": 0.9}
    assert thresholds_for("blind-trades", thresholds)["minimum"]["fact_recall"] == 0.6
    assert thresholds_for("nursing", {"fact_recall": 0.8})["minimum"] == {"fact_recall": 0.8}  # a flat file: minimums
    # The split is by question: fixed by its text, about half each way.
    halves = [Case(question=f"Question {i}?", category="factual").half for i in range(200)]
    assert Case(question="Question 7?", category="factual").half == halves[7]
    assert 70 < halves.count("tuning") < 130
    rows = [{"answerable": True, "refused": i == 0, "refused_because": ["gate"] if i == 0 else [], "half": h,
             "tags": ["accented"] if i < 3 else [],
             "scores": {"fact_recall": 0.0 if i == 0 else 1.0, "recommendation_first": None}}
            for i, h in enumerate(halves[:10])]
    figures = blind_figures(rows)
    assert figures["all"]["answerable_refused"] == 1 and figures["all"]["answerable_refused_because"] == {"gate": 1}
    assert figures["all"]["fact_recall"] == 0.9 and figures["all"]["accented_answered"] == 2
    low, high = figures["all"]["fact_recall_ci95"]
    assert low < 0.9 <= high
    assert figures["tuning"]["cases"] + figures["test"]["cases"] == 10


def test_an_advice_answer_opens_with_the_labelled_recommendation():
    from evals.dataset import Case
    from evals.metrics import opens_with_recommendation

    case = Case(question="I like circuits. Which trade suits me?", category="advice", recommends="electrician")
    careers = ["electrician", "plumber"]
    assert opens_with_recommendation("An electrician suits you better than a plumber [1]. More.", case, careers)
    assert not opens_with_recommendation("A plumber or an electrician both train for years [1].", case, careers)
    assert not opens_with_recommendation("Both trades need an apprenticeship [1].", case, careers)
    assert not opens_with_recommendation("It depends: “I like wiring” points to electricians; “pipes” to plumbers.",
                                         case, careers)
    assert opens_with_recommendation("An electrician suits your independent streak better [1].", case, careers)
    depends = Case(question="Which pays more for me?", category="advice", recommends="depends",
                   deciding_trait="the country you work in")
    assert opens_with_recommendation("Which pays more depends on the country you work in [1].", depends, careers)
    # a career named by its head noun alone counts when no other career ends in it; "engineer" names neither
    planner = Case(question="I like maps. Which suits me?", category="advice", recommends="urban planner")
    assert opens_with_recommendation("A planner looks the closer fit [1].", planner, ["architect", "urban planner"])
    assert not opens_with_recommendation("An architect looks the closer fit, unlike a planner [1].", planner,
                                         ["architect", "urban planner"])
    np_ = Case(question="I like clinics. Which suits me?", category="advice", recommends="nurse practitioner")
    assert opens_with_recommendation("A nurse practitioner looks the closer fit [1].", np_,
                                      ["nurse practitioner", "registered nurse"])
    ai = Case(question="I like products. Which suits me?", category="advice", recommends="AI engineer")
    assert not opens_with_recommendation("An engineer's path suits you [1].", ai, ["AI engineer", "ML engineer"])


def test_a_stand_in_model_cites_the_passages_of_the_files_its_sentences_name(tmp_path):
    from evals.standin_models import ScriptedChatModel, StandInAnswer, StandInSentence, reached

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "pay.md").write_text("# Pay\n\nDesigners earn $80,000 a year, the survey says.\n")
    (folder / "skills.md").write_text("# Skills\n\nDesigners need Figma and user research.\n")
    answer = StandInAnswer("What do designers earn?", [
        StandInSentence("The survey puts designer pay at $80,000 a year.", ["pay.md"], True, "paraphrase"),
        StandInSentence("Designers earn $8,000 a year.", ["pay.md", "skills.md"], False, "swapped-figure")])
    model = ScriptedChatModel(answers=[answer], folder=str(folder))
    prompt = ("Sources:\n[1] Designers need Figma and user research.\n[2] Designers earn $80,000 a year, the survey "
              "says.\n\nQuestion: What do designers earn? (About me: I draw.)")
    assert model.reply(prompt) == ("The survey puts designer pay at $80,000 a year. [2]\n"
                                   "Designers earn $8,000 a year. [1][2]")
    assert model.reply("Conversation:\nuser: hi\n\nLast message: and?\n\nStandalone question:") == ""
    assert reached("The survey puts designer pay at $80,000 a year.", ["Survey puts designer pay at $80,000 a year."])
    assert not reached("The survey puts designer pay at $80,000 a year.", ["The survey gives designers a year."])
    # The same words with another figure is not the drafted sentence reaching the reader.
    assert not reached("Designers earn $8,000 a year.", ["Designers earn $80,000 a year."])
    assert not reached("Designers do not earn $80,000 a year.", ["Designers earn $80,000 a year."])
    # Nor the same words said of the careers the other way round (the source's own sentence, which the answer
    # quotes where it dropped the drafted one).
    from advisor.subjects import find_subjects

    subjects = find_subjects([("The ML engineer role\nThe AI engineer role", """
An ML engineer builds models. ML engineers who train models need statistics. Machine learning engineers earn well.
An AI engineer uses models. AI engineers who ship products need APIs. The AI engineer role is new.
Become an ML engineer or become an AI engineer: AI engineers earn well too, as do ML engineers.
""")])
    source = "ML engineers build algorithms from scratch, while AI engineers integrate existing models."
    assert reached(source, [source], subjects)
    assert not reached("AI engineers build algorithms from scratch, while ML engineers integrate existing models.",
                       [source], subjects)
    assert not reached("The guide sends AI engineers to algorithms and ML engineers to products.",
                       ["The guide sends ML engineers to algorithms and AI engineers to products."], subjects)


def test_the_share_of_an_answer_a_model_wrote_counts_its_kept_sentences_over_those_shown():
    from dataclasses import asdict

    from evals.__main__ import summarize
    from evals.metrics import CaseScores

    def row(drafted, dropped, shown, refused=False):
        return {"engine": "local", "answerable": True, "refused": refused, "scores": asdict(CaseScores(refused=refused)),
                "drafted_sentences": drafted, "dropped_sentences": dropped, "answer_sentences": shown}

    # 3 of 4 kept beside 2 quoted sources; 0 of 2 kept, answered from the sources; a refusal shows nothing
    assert summarize([row(4, 1, 5), row(2, 2, 3), row(1, 0, 1, refused=True)])["model_written_share"] == 3 / 8
    assert summarize([row(2, 2, 3)])["model_written_share"] == 0.0  # a model whose every sentence was removed


def test_fact_recall_reads_a_percentage_however_it_is_written():
    """"11%" is stated by "11 percent" and "11 per cent" (dev-therapy's job-growth answers write it out)."""
    import numpy as np

    from evals.metrics import fact_recall

    class Unrelated:  # every sentence unlike every fact: only the text itself can count
        def embed(self, texts):
            return np.zeros((len(texts), 4))

    answer = "The BLS projects growth of 11 percent for OTs [1]. Physios grow 14 per cent [1]."
    assert fact_recall(Unrelated(), answer, ["11%", "14%"]) == 1.0
    assert fact_recall(Unrelated(), answer, ["12%"]) == 0.0


def test_shares_put_the_slow_engine_first_split_across_the_workers():
    """``--jobs N``: the local model's cases are split N ways and handed out first, so no worker is left with
    a long share at the end; a tuned corpus gets its stand-in models' share and no local one."""
    from evals.__main__ import in_case_order, plan_shares
    from evals.worker import Share

    shares = plan_shares(["starter", "blind-trades"], ["extractive", "local"], ["extractive"], jobs=2)
    assert shares[:2] == [Share("blind-trades", "local", 0, 2), Share("blind-trades", "local", 1, 2)]
    assert set(shares[2:]) == {Share("blind-trades", "extractive"), Share("starter", "extractive"), Share("starter", None)}
    rows = [{"question": f"q{i}"} for i in range(5)]
    parts = {Share("x", "local", 1, 2): rows[1::2], Share("x", "local", 0, 2): rows[0::2]}
    assert in_case_order(parts) == rows
