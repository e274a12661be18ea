"""Soak: many concurrent chat sessions against the real app while an ingest runs.

    python bench/soak.py [--sessions 16] [--minutes 5] [--engine local]

Starts ``python app.py`` on a copy of the store under ADVISOR_HOME, opens one
gradio_client per session, and has each session ask multi-turn conversations made
from the store's own starter questions and follow-ups until time is up, while a
second process runs ``python -m ingest`` on a copy of the corpus with one new file
added. Prints: answers, errors, answers neither cited nor refused, sessions that saw
another session's message, p50/p95 answer time and the app's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLLOW_UPS = ["How much do they earn?", "What skills do they need?", "And how do I get started?"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    total = 0
    for p in [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--engine", default="local")
    args = parser.parse_args()
    from gradio_client import Client

    home = Path(tempfile.mkdtemp(prefix="soak-")) / "home"
    source = Path(os.environ.get("ADVISOR_HOME", ".advisor"))
    if not (source / "chroma").exists():
        subprocess.run([sys.executable, "-m", "ingest"], cwd=ROOT, check=True)
    shutil.copytree(source, home)
    env = {**os.environ, "ADVISOR_HOME": str(home), "ADVISOR_ENGINE": args.engine}
    port = free_port()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)

    sys.path.insert(0, str(ROOT))
    os.environ["ADVISOR_HOME"] = str(home)
    from advisor.chain import Advisor

    starters = Advisor(engine="extractive").profile().starters or ["What do these articles cover?"]
    times: list[float] = []
    errors: list[str] = []
    uncited: list[str] = []
    leaks: list[str] = []
    peak = [0.0]
    deadline = time.time() + args.minutes * 60
    lock = threading.Lock()

    def session(n: int) -> None:
        client = Client(url, verbose=False)
        turn = 0
        while time.time() < deadline:
            chat: list = []
            mine: list[str] = []
            for message in (f"{starters[(n + turn) % len(starters)]} (session {n})", FOLLOW_UPS[turn % 3]):
                mine.append(message)
                started = time.perf_counter()
                try:
                    chat, _, _ = client.predict(message, chat, api_name="/ask")
                except Exception as exc:  # counted, never fatal
                    with lock:
                        errors.append(repr(exc)[:200])
                    break
                took = time.perf_counter() - started
                reply = chat[-1]["content"] if isinstance(chat[-1]["content"], str) else str(chat[-1]["content"])
                users = [m["content"] for m in chat if m["role"] == "user"]
                with lock:
                    times.append(took)
                    if "Sorry" in reply and "went wrong" in reply:
                        errors.append(reply[:120])
                    elif not re.search(r"\[\d+\]", reply) and "sources" not in reply:
                        uncited.append(reply[:120])
                    if [u if isinstance(u, str) else str(u) for u in users] != mine:
                        leaks.append(f"session {n}")
            turn += 1

    def watch() -> None:
        while time.time() < deadline:
            peak[0] = max(peak[0], rss_mib(app.pid))
            time.sleep(1)

    corpus = Path(tempfile.mkdtemp(prefix="soak-corpus-")) / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "soak-extra.md").write_text("# A note added during the soak\n\n" + "Mentors help new starters. " * 200)
    threads = [threading.Thread(target=session, args=(n,)) for n in range(args.sessions)]
    threads.append(threading.Thread(target=watch))
    for t in threads:
        t.start()
    time.sleep(10)
    ingest = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    for t in threads:
        t.join()
    app.terminate()
    app.wait(timeout=30)
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")
    print(f"sessions {args.sessions}, {args.minutes:g} min, engine {args.engine}; ingest during the soak exited "
          f"{ingest.returncode}")
    print(f"answers {len(times)}, errors {len(errors)}, neither cited nor refused {len(uncited)}, "
          f"sessions that saw another's messages {len(leaks)}")
    if times:
        print(f"answer time p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s; app peak RSS {peak[0]:.0f} MiB")
    for e in errors[:5]:
        print(f"  error: {e}")


if __name__ == "__main__":
    main()
