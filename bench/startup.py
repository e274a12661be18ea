"""Start-up and memory of the chat page: ``python app.py`` to a served page, then peak RSS under use.

On the store under ADVISOR_HOME (built first if empty, not timed), it starts
``app.py`` several times and reports the time from process start to the first
HTTP 200 of the page. It then asks questions through the page's API
(gradio_client) and reads the process's peak resident memory (VmHWM, Linux).

    python bench/startup.py [--runs 3] [--engine extractive] [--questions 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(Path(__file__).resolve().parent))  # after the project: bench/ingest.py is not the ingest package

from _app import launch, stop_app  # noqa: E402


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", default="extractive")
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args(argv)

    from advisor.config import configure_offline, get_settings
    from evals.dataset import load_cases
    from ingest.pipeline import ensure_store

    configure_offline()
    ensure_store(get_settings())
    times = []
    for _ in range(args.runs):
        proc, url, seconds = launch({**os.environ, "ADVISOR_ENGINE": args.engine})
        times.append(seconds)
        stop_app(proc)
    print(f"start-up to a served page ({args.runs} runs, built store): median {statistics.median(times):.1f} s, "
          f"max {max(times):.1f} s (target ≤ 10 s)")

    from gradio_client import Client

    proc, url, _ = launch({**os.environ, "ADVISOR_ENGINE": args.engine})
    try:
        idle = peak_rss_mib(proc.pid)
        client = Client(url, verbose=False)
        questions = [c.question for c in load_cases() if c.answerable][: args.questions]
        started = time.perf_counter()
        for question in questions:
            client.predict(question, [], api_name="/ask")
        per_question = (time.perf_counter() - started) / max(1, len(questions))
        print(f"peak RSS of app.py ({args.engine}): {idle:.0f} MiB once the page is served, "
              f"{peak_rss_mib(proc.pid):.0f} MiB after {len(questions)} questions ({per_question:.1f} s each)")
    finally:
        stop_app(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
