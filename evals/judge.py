"""Scores from a judge model, through the ragas library: ``python -m evals --judge openai``.

The judge is the configured OpenAI-compatible model (OPENAI_API_KEY, OPENAI_BASE_URL,
OPENAI_MODEL), so it can be OpenAI itself or any local server. ragas asks it to
split answers into claims and check them (faithfulness), to guess the question from
the answer (response relevancy, with our own embeddings) and to judge each context
against the reference (context precision and recall). Refused answers are skipped:
ragas has no notion of a correct refusal, and the offline metrics already score them.

These scores are reported next to the offline ones but never gate CI: their value
depends on the judge, and a small local model is not a meaningful judge.
"""

from __future__ import annotations

import math
import os

JUDGE_METRICS = ("faithfulness", "answer_relevancy", "llm_context_precision_with_reference", "context_recall")


class JudgeUnavailable(RuntimeError):
    """The judge cannot run: ragas is missing or no OpenAI-compatible model is configured."""


def require_judge(settings) -> None:
    """Fail early, before any case runs, when the judge cannot work."""
    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")  # no ragas usage analytics
    from advisor.llm import openai_configured

    if not openai_configured(settings):
        raise JudgeUnavailable("--judge openai needs OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server).")
    try:
        import ragas.llms  # noqa: F401  (imports the LangChain integrations it needs)
    except ImportError as exc:
        raise JudgeUnavailable(f"--judge needs the ragas library: pip install -e '.[judge]' ({exc})") from exc


def judge_rows(rows: list[dict], references: list[str], settings) -> dict:
    """Mean ragas scores over the answered rows, and how many scores the judge failed to produce."""
    require_judge(settings)
    from ragas import EvaluationDataset, evaluate
    from ragas.embeddings import LangchainEmbeddingsWrapper
    from ragas.llms import LangchainLLMWrapper
    from ragas.metrics import Faithfulness, LLMContextPrecisionWithReference, LLMContextRecall, ResponseRelevancy
    from ragas.run_config import RunConfig

    from advisor.embeddings import get_embeddings
    from advisor.llm import openai_chat_model

    samples = [
        {"user_input": row["question"], "response": row["answer"], "retrieved_contexts": row["contexts"],
         "reference": reference}
        for row, reference in zip(rows, references)
        if row["answerable"] and not row["refused"] and row["contexts"]
    ]
    if not samples:
        return {"cases": 0, "failed_scores": 0, **{m: None for m in JUDGE_METRICS}}
    # A cap on every judge reply: a small model can otherwise ramble until the timeout.
    judge = openai_chat_model(settings).model_copy(update={"max_tokens": settings.judge_max_tokens})
    result = evaluate(
        EvaluationDataset.from_list(samples),
        metrics=[Faithfulness(), ResponseRelevancy(strictness=1), LLMContextPrecisionWithReference(), LLMContextRecall()],
        llm=LangchainLLMWrapper(judge),
        embeddings=LangchainEmbeddingsWrapper(get_embeddings()),
        run_config=RunConfig(timeout=int(settings.judge_timeout_s), max_retries=1, max_wait=5, max_workers=4),
        show_progress=True,
        raise_exceptions=False,
    )
    table = result.to_pandas()
    summary: dict = {"cases": len(samples), "failed_scores": 0}
    for metric in JUDGE_METRICS:
        values = [float(v) for v in table[metric]] if metric in table else []
        valid = [v for v in values if not math.isnan(v)]
        summary["failed_scores"] += len(samples) - len(valid)
        summary[metric] = sum(valid) / len(valid) if valid else None
    return summary
