"""Does an upload stall other visitors? Chat latency before and during a 50-file upload.

    python bench/upload.py [--files 50] [--chatters 2] [--engine extractive] [--markdown]

Starts the real app on a copy of the store under ADVISOR_HOME. Phase 1: ``--chatters``
gradio_client sessions ask the store's starter questions for ``--baseline`` seconds.
Phase 2: one more session uploads ``--files`` generated articles (each a few
passages, text reshuffled from corpus/ so every file is new) while the chatters keep
asking until the upload has finished. Prints chat p50/p95/max for both phases, the
upload's time and its passages.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))  # after the project: bench/ingest.py is not the ingest package

from _app import ROOT, percentile, reply_text, start_app, stop_app, store_copy  # noqa: E402

QUESTIONS = ["What does an AI engineer do?", "How much does an ML engineer earn?",
             "Which skills does an AI engineer need?", "How do I become an ML engineer?",
             "Which tools do AI engineers use?", "What is MLOps?"]


def make_files(folder: Path, n: int) -> list[Path]:
    """``n`` new articles made of paragraphs of corpus/, reshuffled per file."""
    paragraphs = [p.strip() for f in sorted((ROOT / "corpus").glob("*.md"))
                  for p in f.read_text().split("\n\n") if len(p.strip()) > 200]
    rng = random.Random(7)
    files = []
    for i in range(n):
        chosen = rng.sample(paragraphs, k=min(6, len(paragraphs)))
        path = folder / f"reading-list-{i:02d}.md"
        path.write_text(f"# Reading list {i}\n\n" + "\n\n".join(chosen) + "\n")
        files.append(path)
    return files


def chat_loop(url: str, stop: threading.Event, times: list[float], errors: list[str], n: int) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    turn = n
    while not stop.is_set():
        started = time.perf_counter()
        try:
            chat, _, _ = client.predict(QUESTIONS[turn % len(QUESTIONS)], [], api_name="/ask")
            if "went wrong" in reply_text(chat):
                errors.append(reply_text(chat)[:100])
        except Exception as exc:
            errors.append(repr(exc)[:100])
        times.append(time.perf_counter() - started)
        turn += 1


def phase(url: str, chatters: int, until) -> tuple[list[float], list[str]]:
    stop = threading.Event()
    times: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=chat_loop, args=(url, stop, times, errors, n)) for n in range(chatters)]
    for t in threads:
        t.start()
    until()
    stop.set()
    for t in threads:
        t.join()
    return times, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--chatters", type=int, default=2)
    parser.add_argument("--baseline", type=float, default=30.0, help="seconds of chat before the upload")
    parser.add_argument("--engine", default="extractive")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    from gradio_client import Client, handle_file

    home = store_copy("bench-upload-")
    files = make_files(Path(tempfile.mkdtemp(prefix="bench-upload-files-")), args.files)
    url, app = start_app(home, ADVISOR_ENGINE=args.engine)
    try:
        Client(url, verbose=False).predict(QUESTIONS[0], [], api_name="/ask")  # warm
        before, before_errors = phase(url, args.chatters, lambda: time.sleep(args.baseline))
        upload: dict = {}

        def run_upload() -> None:
            started = time.perf_counter()
            upload["status"] = Client(url, verbose=False).predict([handle_file(str(f)) for f in files],
                                                                  api_name="/upload")
            upload["seconds"] = time.perf_counter() - started

        during, during_errors = phase(url, args.chatters, run_upload)
    finally:
        stop_app(app)

    rows = [("before the upload", before, before_errors), (f"during a {args.files}-file upload", during, during_errors)]
    print(f"engine {args.engine}, {args.chatters} chatting sessions; upload: {upload['seconds']:.1f} s, "
          f"{upload['status'].splitlines()[0]}")
    print(f"{'':<28} {'answers':>7} {'errors':>6} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for name, times, errors in rows:
        print(f"{name:<28} {len(times):>7} {len(errors):>6} {percentile(times, .5):>7.2f} "
              f"{percentile(times, .95):>7.2f} {max(times, default=float('nan')):>7.2f}")
    if args.markdown:
        print(f"\n| chat ({args.engine}, {args.chatters} sessions) | answers | errors | p50 s | p95 s | max s |")
        print("|---|---|---|---|---|---|")
        for name, times, errors in rows:
            print(f"| {name} | {len(times)} | {len(errors)} | {percentile(times, .5):.2f} | "
                  f"{percentile(times, .95):.2f} | {max(times, default=float('nan')):.2f} |")
        print(f"\nUpload: {args.files} files in {upload['seconds']:.1f} s ({upload['status'].splitlines()[0]})")


if __name__ == "__main__":
    main()
