"""What the page benchmarks share: a copy of a store, the real app on a free port, its memory."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def store_copy(prefix: str) -> Path:
    """A private copy of the store under ADVISOR_HOME (built from corpus/ first if missing)."""
    source = Path(os.environ.get("ADVISOR_HOME", ".advisor"))
    if not (source / "chroma").exists():
        subprocess.run([sys.executable, "-m", "ingest"], cwd=ROOT, check=True)
    home = Path(tempfile.mkdtemp(prefix=prefix)) / "home"
    shutil.copytree(source, home)
    return home


def launch(env: dict, log=None, timeout_s: float = 300) -> tuple[subprocess.Popen, str, float]:
    """``python app.py`` on a free port with ``env``; (process, url, seconds until the page was served)."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - started < timeout_s:
        try:
            urllib.request.urlopen(url, timeout=1)
            return proc, url, time.perf_counter() - started
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited with {proc.returncode} before serving the page"
                                 + (f" (log: {log.name})" if log else ""))
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the app did not serve its page within {timeout_s:.0f} s")


def start_app(home: Path, **env: str) -> tuple[str, subprocess.Popen]:
    """``python app.py`` on ``home``; returns (url, process) once the page is served.

    The app's log goes to ``home/../app.log`` (read it when a run reports errors).
    """
    log = open(home.parent / "app.log", "wb")  # noqa: SIM115 - the app writes to it until it stops
    proc, url, _ = launch({**os.environ, "ADVISOR_HOME": str(home), **env}, log=log)
    return url, proc


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    total = 0
    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        children = []
    for p in [pid] + children:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def message_text(message: dict) -> str:
    """A chat message's text (Gradio hands content back as a string or as [{"type": "text", ...}])."""
    content = message.get("content", "")
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content or "")


def reply_text(chat: list) -> str:
    return message_text(chat[-1]) if chat else ""
