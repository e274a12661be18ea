"""The chat page in a real headless Chromium (Debian's), driven by Playwright."""

import sqlite3
import time
from pathlib import Path

import pytest
from conftest import ROOT, start_app, stop_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """``python app.py`` on an empty ADVISOR_HOME: it builds the store itself, then serves."""
    home = tmp_path_factory.mktemp("app") / "home"
    url, proc = start_app(home)
    yield url, home
    stop_app(proc)


@pytest.fixture
def page(app_server):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 960})
        pg = context.new_page()
        dialogs = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto(app_server[0], wait_until="domcontentloaded")
        pg.wait_for_selector("#question textarea", timeout=60_000)
        pg.dialogs = dialogs
        yield pg
        browser.close()


def ask(page, question: str, answers_before: int) -> str:
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "([n]) => { const b = document.querySelectorAll('#chat [data-testid=\"bot\"]');"
        " return b.length > n && b[b.length - 1].innerText.includes('answered by'); }",
        arg=[answers_before], timeout=120_000,
    )
    return page.locator('#chat [data-testid="bot"]').last.inner_text()


def test_question_gets_a_cited_answer_with_matching_sources_and_a_follow_up(page):
    answer = ask(page, "What does an AI engineer do?", 0)
    assert "[1]" in answer and "software engineer" in answer
    card = page.locator("#sources .source-card[data-citation='1']")
    assert card.count() == 1 and "ai-engineer-role.md" in card.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    follow_up = ask(page, "And how much do they earn?", 1)
    assert "£75k" in follow_up or "$160,000" in follow_up or "$170,000" in follow_up
    assert "disagree" in follow_up


def test_uploaded_file_is_answerable_with_its_citation(page, tmp_path):
    note = tmp_path / "zorblax-guild.md"
    note.write_text("---\ntitle: The Zorblax guild\n---\n# The Zorblax guild\n\n"
                    "AI engineers at the Zorblax guild must pass the quibbleflux certification before "
                    "shipping any chatbot to production.\n\nThe guild compares its two ranks:\n\n"
                    "| Rank | Duty |\n|---|---|\n| Apprentice | Writes prompts |\n| Master | Signs releases |\n")
    page.click("text=Add your own articles")
    page.set_input_files("#upload input[type=file]", str(note))
    page.wait_for_function("() => document.querySelector('#upload-status').innerText.includes('Added 1')",
                           timeout=120_000)
    answer = ask(page, "Which certification must AI engineers at the Zorblax guild pass?", 0)
    assert "quibbleflux" in answer
    assert "zorblax-guild.md" in page.locator("#sources").inner_text()
    table = page.locator("#sources table.passage-table")  # the passage's table is drawn as a table, not as pipes
    assert table.count() == 1 and "Signs releases" in table.inner_text()


def test_thumbs_up_is_stored(page, app_server):
    ask(page, "Which skills does an ML engineer need?", 0)
    page.locator('#chat [aria-label="Like"]').last.click()
    page.wait_for_function("() => document.querySelector('#status').innerText.includes('saved')", timeout=30_000)
    with sqlite3.connect(app_server[1] / "feedback.sqlite3") as conn:
        rows = conn.execute("SELECT rating, question, engine, citations FROM feedback").fetchall()
    assert any(r[0] == 1 and r[1] == "Which skills does an ML engineer need?" and "skills" in r[3] for r in rows)


def test_script_in_a_message_is_shown_as_text_and_never_runs(page):
    payload = "<script>window.__pwned = 1; alert('x')</script><img src=x onerror=\"window.__pwned = 2\"> ML salary?"
    ask(page, payload, 0)
    assert page.evaluate("() => window.__pwned") is None
    assert page.dialogs == []
    assert "<script>" in page.locator('#chat [data-testid="user"]').last.inner_text()


def test_empty_message_does_nothing(page):
    page.fill("#question textarea", "   ")
    page.click("#ask")
    time.sleep(1.5)
    assert page.locator('#chat [data-testid="user"]').count() == 0


def _chroma(path: Path, port: int):
    import os
    import shutil
    import subprocess
    import sys

    from conftest import wait_for_http

    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    wait_for_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, timeout=60)
    return proc


def test_a_rating_lands_on_the_reply_that_was_rated_after_an_error_reply(tmp_path):
    """Answer, error reply (the Chroma server stops), answer (it is back): each rating finds its own reply."""
    from conftest import free_port, run_cli

    port, data, home = free_port(), tmp_path / "chroma-data", tmp_path / "home"
    env = {"ADVISOR_HOME": str(home), "ADVISOR_CHROMA_URL": f"http://127.0.0.1:{port}"}
    server = _chroma(data, port)
    app = None
    try:
        assert run_cli("ingest", env=env).returncode == 0
        url, app = start_app(home, ADVISOR_CHROMA_URL=env["ADVISOR_CHROMA_URL"])
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page()
            page.goto(url, wait_until="domcontentloaded")
            page.wait_for_selector("#question textarea", timeout=60_000)
            ask(page, "Which skills does an ML engineer need?", 0)

            server.terminate()
            server.wait(timeout=30)
            page.fill("#question textarea", "What does an AI engineer do?")
            page.click("#ask")
            page.wait_for_function("() => { const b = document.querySelectorAll('#chat [data-testid=\"bot\"]');"
                                   " return b.length > 1 && b[1].innerText.includes('Sorry'); }", timeout=120_000)

            server = _chroma(data, port)
            ask(page, "How much does an AI engineer earn?", 2)
            likes = page.locator('#chat [aria-label="Like"]')
            dislikes = page.locator('#chat [aria-label="Dislike"]')
            assert likes.count() == 3
            dislikes.nth(1).click()
            page.wait_for_function("() => document.querySelector('#status').innerText.includes('error message')",
                                   timeout=30_000)
            likes.nth(2).click()
            page.wait_for_function("() => document.querySelector('#status').innerText.includes('saved')",
                                   timeout=30_000)
            browser.close()
        with sqlite3.connect(home / "feedback.sqlite3") as conn:
            rows = conn.execute("SELECT rating, question FROM feedback").fetchall()
        assert rows == [(1, "How much does an AI engineer earn?")]
    finally:
        if app is not None:
            stop_app(app)
        server.terminate()
