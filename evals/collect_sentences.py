"""Collect real answer sentences, with the passages they cite, for hand labelling.

The faithfulness metric has to be checked against sentences the advisor actually
writes, labelled by a person who read the cited passages. This script asks every
answerable eval case of each corpus with each engine and records every answer
sentence with the texts of the passages it cites. The grounding step already drops
most unsupported sentences, so for the local engine it also records the model's raw
draft (before grounding), which is where unsupported sentences come from.
Hand-labelled results go to evals/labelled_sentences.yaml (see its header).

    python -m evals.collect_sentences [OUT.json]    # default: sentences.json in the temp dir

The file is rewritten after every question, and a rerun skips the (corpus, engine,
question) triples already in it, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from advisor.chain import Advisor
from advisor.config import configure_offline, get_settings
from advisor.text import citations_in, split_sentences
from evals.corpora import build_store, get_corpus
from evals.dataset import load_cases

CORPORA = ("starter", "nursing")
ENGINES = ("extractive", "local")


def _keep(sentence: str) -> bool:
    """Skip the long "Note: the sources disagree ..." summaries: they quote many passages at once."""
    return not (sentence.startswith("Note:") and len(sentence.split()) > 60)


def answer_sentences(answer) -> list[tuple[str, list[str]]]:
    """(sentence, texts of the passages it cites) for each sentence of a grounded answer."""
    by_id = {c.id: c.text for c in answer.citations}
    out = []
    for sentence in split_sentences(answer.text):
        if not _keep(sentence):
            continue
        cited = [by_id[n] for n in citations_in(sentence) if n in by_id]
        out.append((sentence, cited or list(by_id.values())))
    return out


def draft_sentences(advisor: Advisor, query: str) -> list[tuple[str, list[str]]]:
    """(sentence, passages its [n] marks point to) for each sentence of the model's raw, ungrounded draft."""
    docs = list(advisor.retriever.invoke(query))
    draft = "".join(advisor.engine.stream(query, docs))
    texts = [d.page_content for d in docs]
    out = []
    for sentence in split_sentences(draft):
        if not _keep(sentence):
            continue
        cited = [texts[n - 1] for n in citations_in(sentence) if 1 <= n <= len(texts)]
        out.append((sentence, cited or texts))
    return out


def collect(out: Path) -> list[dict]:
    configure_offline()
    rows: list[dict] = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else []
    done = {(r["corpus"], r["engine"], r["question"]) for r in rows}
    for name in CORPORA:
        corpus = get_corpus(name)
        settings = build_store(corpus, get_settings())
        cases = [c for c in load_cases(corpus.dataset) if c.answerable]
        for engine in ENGINES:
            advisor = Advisor(settings=settings, engine=engine)
            started = time.perf_counter()
            for case in cases:
                if (name, engine, case.question) in done:
                    continue
                answer = advisor.ask(case.question, case.history)
                base = {"corpus": name, "engine": engine, "question": case.question}
                if answer.refused:  # refused answers have no sentences, and the model drafted nothing
                    continue
                for sentence, passages in answer_sentences(answer):
                    rows.append({**base, "origin": "answer", "sentence": sentence, "passages": passages})
                if engine == "local":
                    query = answer.rewritten_question or case.question
                    for sentence, passages in draft_sentences(advisor, query):
                        rows.append({**base, "origin": "raw-draft", "sentence": sentence, "passages": passages})
                out.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
            print(f"{name}/{engine}: {len(cases)} questions in {time.perf_counter() - started:.0f}s, "
                  f"{len(rows)} sentences so far", flush=True)
    return rows


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else Path(tempfile.gettempdir()) / "sentences.json"
    started = time.perf_counter()
    rows = collect(out)
    out.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{len(rows)} sentences written to {out} in {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main(sys.argv[1:])
