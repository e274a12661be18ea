"""Soak: many concurrent chat sessions against the real app while an ingest runs.

    python bench/soak.py [--sessions 16] [--minutes 5] [--engine local] [--markdown]

Starts ``python app.py`` on a copy of the store under ADVISOR_HOME and opens one
gradio_client per session. Each session first uploads its own note (a made-up badge
only that note names), then asks multi-turn conversations made from the store's own
starter questions and follow-ups, its own note's question, and another session's
note's question, until time is up; meanwhile a second process runs ``python -m
ingest`` on a copy of the corpus with one new file added. Prints: answers, errors,
answers neither cited nor refused, sessions that saw another session's messages or
uploads, whether each session's own upload answered it, p50/p95 answer time and the
app's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent))  # after the project: bench/ingest.py is not the ingest package

from _app import ROOT, message_text, percentile, reply_text, rss_mib, start_app, stop_app, store_copy  # noqa: E402

FOLLOW_UPS = ["How much do they earn?", "What skills do they need?", "And how do I get started?"]
BADGES = ["Quorvex", "Palindra", "Zentrik", "Morvane", "Tessaly", "Brixom", "Caldrin", "Vexora",
          "Lumerra", "Dravik", "Orniva", "Suldane", "Kelmora", "Fennix", "Yaritz", "Gostral"]


def badge(n: int) -> str:
    return f"{BADGES[n % len(BADGES)]}{n // len(BADGES) or ''}"


def note(n: int) -> str:
    return (f"# Team {badge(n)} onboarding\n\nNew AI engineers who join team {badge(n)} earn the {badge(n)} badge "
            f"after their first production deployment. The {badge(n)} badge is awarded by the platform lead.\n")


def badge_question(n: int) -> str:
    return f"Which badge do new AI engineers earn after their first deployment in team {badge(n)}?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--engine", default="local")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    from gradio_client import Client, handle_file

    home = store_copy("soak-")
    notes = Path(tempfile.mkdtemp(prefix="soak-notes-"))
    url, app = start_app(home, ADVISOR_ENGINE=args.engine)
    sys.path.insert(0, str(ROOT))
    os.environ["ADVISOR_HOME"] = str(home)
    from advisor.chain import Advisor

    starters = Advisor(engine="extractive").profile().starters or ["What do these articles cover?"]
    times: list[float] = []
    errors: list[str] = []
    uncited: list[str] = []
    leaks: list[str] = []
    own_missed: list[str] = []
    peak = [0.0]
    deadline = time.time() + args.minutes * 60
    lock = threading.Lock()

    def ask(client, n: int, message: str, chat: list, mine: list[str]) -> tuple[list, str, str] | None:
        mine.append(message)
        started = time.perf_counter()
        try:
            chat, _, sources = client.predict(message, chat, api_name="/ask")
        except Exception as exc:  # counted, never fatal
            with lock:
                errors.append(repr(exc)[:200])
            return None
        took = time.perf_counter() - started
        reply = reply_text(chat)
        users = [message_text(m) for m in chat if m["role"] == "user"]
        with lock:
            times.append(took)
            if "Sorry" in reply:
                errors.append(reply[:120])
            elif not re.search(r"\[\d+\]", reply) and "sources" not in reply:
                uncited.append(reply[:120])
            if users != mine:
                leaks.append(f"session {n} saw messages it did not send")
            for m in range(args.sessions):
                if m != n and (f"soak-note-{m}.md" in str(sources) or f"the {badge(m)} badge" in reply):
                    leaks.append(f"session {n} saw session {m}'s upload")
        return chat, reply, str(sources)

    def session(n: int) -> None:
        client = Client(url, verbose=False)
        path = notes / f"soak-note-{n}.md"
        path.write_text(note(n))
        try:
            client.predict([handle_file(str(path))], api_name="/upload")
        except Exception as exc:
            with lock:
                errors.append(f"upload: {exc!r}"[:200])
        turn = 0
        while time.time() < deadline:
            chat: list = []
            mine: list[str] = []
            if turn % 3 == 0:
                messages = [badge_question(n)]
            elif turn % 3 == 1:
                messages = [badge_question((n + 1) % args.sessions)]
            else:
                messages = [starters[(n + turn) % len(starters)], FOLLOW_UPS[turn % len(FOLLOW_UPS)]]
            for message in messages:
                got = ask(client, n, message, chat, mine)
                if got is None:
                    break
                chat, reply, sources = got
                if message == badge_question(n) and f"soak-note-{n}.md" not in sources:
                    with lock:
                        own_missed.append(f"session {n}: {reply[:100]}")
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
    ingest = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--json"], cwd=ROOT,
                            env={**os.environ, "ADVISOR_HOME": str(home)}, capture_output=True, text=True)
    for t in threads:
        t.join()
    stop_app(app)
    p50, p95 = (statistics.median(times), percentile(times, .95)) if times else (float("nan"),) * 2
    print(f"sessions {args.sessions}, {args.minutes:g} min, engine {args.engine}; ingest during the soak exited "
          f"{ingest.returncode}")
    print(f"answers {len(times)}, errors {len(errors)}, neither cited nor refused {len(uncited)}, "
          f"leaks between sessions {len(leaks)}, own upload not used {len(own_missed)}")
    print(f"answer time p50 {p50:.2f} s, p95 {p95:.2f} s; app peak RSS {peak[0]:.0f} MiB")
    if errors:
        print(f"app log: {home.parent / 'app.log'}")
    for line in (errors + uncited + leaks + own_missed)[:8]:
        print(f"  {line}")
    if args.markdown:
        print(f"\n| sessions | minutes | engine | answers | errors | uncited | leaks | own upload missed | p50 s | p95 s "
              f"| peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|---|---|\n| {args.sessions} | {args.minutes:g} "
              f"| {args.engine} | {len(times)} | {len(errors)} | {len(uncited)} | {len(leaks)} | {len(own_missed)} "
              f"| {p50:.2f} | {p95:.2f} | {peak[0]:.0f} |")


if __name__ == "__main__":
    main()
