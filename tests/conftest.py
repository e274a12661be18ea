"""Test set-up: no network beyond loopback, offline models, a fresh store per test that needs one."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
for _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ADVISOR_CHROMA_URL", "ADVISOR_ENGINE", "ADVISOR_LOCAL_MODEL"):
    os.environ.pop(_name, None)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CORPUS = ROOT / "corpus"


# ------------------------------------------------------------------ network guard

class NetworkBlocked(RuntimeError):
    pass


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    host = str(address[0])
    return host in ("localhost", "::1") or host.startswith("127.") or host == "0.0.0.0"


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkBlocked(f"tests may not reach the network (tried {address!r})")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkBlocked(f"tests may not reach the network (tried {address!r})")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host not in (None, "localhost", "127.0.0.1", "::1", "0.0.0.0") and not str(host).startswith("127."):
        raise NetworkBlocked(f"tests may not resolve network names (tried {host!r})")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo


# ------------------------------------------------------------------ settings and stores

def _reset_caches() -> None:
    from advisor import chain, store

    chain.reset()
    store.reset()


@pytest.fixture
def advisor_home(tmp_path, monkeypatch):
    """An empty ADVISOR_HOME for this test, seen by in-process code and by subprocesses."""
    home = tmp_path / "home"
    monkeypatch.setenv("ADVISOR_HOME", str(home))
    _reset_caches()
    yield home
    _reset_caches()


def _build(tmp_path_factory, name: str, *paths: str) -> Path:
    """A store built with the real CLI, as a user would (read-only for the tests that use it)."""
    home = tmp_path_factory.mktemp(name) / "home"
    result = run_cli("ingest", *paths, "--json", env={"ADVISOR_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    return home


def _use(home: Path, monkeypatch):
    monkeypatch.setenv("ADVISOR_HOME", str(home))
    _reset_caches()
    yield home
    _reset_caches()


@pytest.fixture(scope="session")
def built_home(tmp_path_factory):
    """The starter corpus (corpus/), built once."""
    return _build(tmp_path_factory, "built")


@pytest.fixture
def corpus_home(built_home, monkeypatch):
    yield from _use(built_home, monkeypatch)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def run_cli(module: str, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``python -m module args`` from the project root, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc, timeout: float = 120, headers: dict | None = None) -> None:
    """Wait until a server started by a test answers ``url``; fail the test if it dies or never does."""
    import time
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"server for {url} exited with {proc.returncode}")
            time.sleep(0.3)
    proc.kill()
    pytest.fail(f"server for {url} did not start within {timeout:.0f} s")


def start_app(home: Path, **env: str):
    """Start ``python app.py`` with ADVISOR_HOME=home on a free port; wait for the page. Returns (url, process)."""
    port = free_port()
    full_env = {**os.environ, "ADVISOR_HOME": str(home), "ADVISOR_ENGINE": "extractive", **env}
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=full_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    wait_for_http(url, proc, timeout=180)
    return url, proc


def stop_app(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def nursing_built(tmp_path_factory):
    """The second corpus (corpora/nursing), built once."""
    return _build(tmp_path_factory, "nursing", str(ROOT / "corpora" / "nursing"))


@pytest.fixture
def nursing_home(nursing_built, monkeypatch):
    yield from _use(nursing_built, monkeypatch)


@pytest.fixture
def chroma_server(tmp_path):
    """A real ``chroma run`` on a free loopback port; yields its URL."""
    port = free_port()
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/api/v2/heartbeat", proc, timeout=60)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def restartable_chroma_server(tmp_path):
    """A real ``chroma run`` that a test stops and starts again on the same port with the same data.

    Yields a namespace: ``url``, ``stop()`` and ``start()``."""
    from types import SimpleNamespace

    port = free_port()
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    server = SimpleNamespace(url=f"http://127.0.0.1:{port}", proc=None)

    def start() -> None:
        server.proc = subprocess.Popen(
            [chroma, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        wait_for_http(f"{server.url}/api/v2/heartbeat", server.proc, timeout=60)

    def stop() -> None:
        server.proc.terminate()
        server.proc.wait(timeout=30)

    server.start, server.stop = start, stop
    start()
    yield server
    if server.proc.poll() is None:
        stop()
