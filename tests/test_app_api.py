"""The chat page's API under load and bad input, through gradio_client as an outside program would use it."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import start_app, stop_app

# Two turns per session. Sessions share follow-ups ("How much do they earn?") but not
# history, so a session that saw another's history would get a different answer.
CONVERSATIONS = [
    ("What does an AI engineer do?", "How much do they earn?"),
    ("What does an ML engineer do?", "How much do they earn?"),
    ("Which skills does an AI engineer need?", "And how do I get into it?"),
    ("Which skills does an ML engineer need?", "And how do I get into it?"),
    ("What is a typical day for an AI engineer?", "Which tools do they use?"),
    ("What is a typical day for an ML engineer?", "Which tools do they use?"),
    ("How can I switch from ML engineering to AI engineering?", "Which portfolio projects help?"),
    ("Where do the AI engineer and ML engineer roles overlap?", "Which one pays more?"),
]


@pytest.fixture(scope="module")
def app_url(built_home, tmp_path_factory):
    home = tmp_path_factory.mktemp("app-api") / "home"
    shutil.copytree(built_home, home)
    url, proc = start_app(home)
    yield url
    stop_app(proc)


def _text(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


def converse(url: str, turns) -> list[dict]:
    """One browser-like session: its own client, so its own server-side history."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    chat: list = []
    for message in turns:
        chat, _, _ = client.predict(message, chat, api_name="/ask")
    return chat


def test_eight_concurrent_sessions_get_their_own_answers(app_url):
    alone = [converse(app_url, turns) for turns in CONVERSATIONS]
    with ThreadPoolExecutor(max_workers=len(CONVERSATIONS)) as pool:
        together = list(pool.map(lambda turns: converse(app_url, turns), CONVERSATIONS))

    for turns, expected, got in zip(CONVERSATIONS, alone, together):
        assert [m["role"] for m in got] == ["user", "assistant", "user", "assistant"]
        assert [_text(m) for m in got if m["role"] == "user"] == list(turns)  # no one else's messages
        answers = [_text(m) for m in got if m["role"] == "assistant"]
        assert all(re.search(r"\[\d+\]", a) and "answered by extractive" in a for a in answers), answers
        # The engine is deterministic: under load, each session gets exactly what it got alone.
        assert answers == [_text(m) for m in expected if m["role"] == "assistant"]
    # The same follow-up after different histories is resolved differently.
    assert _text(together[0][3]) != _text(together[1][3])
    assert _text(together[2][3]) != _text(together[3][3])


def test_a_20000_character_message_is_cut_with_a_notice(app_url):
    question = "Which skills does an ML engineer need? "
    message = (question * 600)[:20_000]
    chat = converse(app_url, [message])
    assert len(_text(chat[0])) <= 2000
    answer = _text(chat[1])
    assert "only its first 2000 characters were used" in answer
    assert re.search(r"\[\d+\]", answer), answer


def test_whitespace_message_does_nothing(app_url):
    assert converse(app_url, ["   \n\t "]) == []


def test_a_source_card_shows_a_table_as_a_table_and_escapes_every_cell():
    import app
    from advisor.text import clipped

    passage = ("Compared:\n\n| Aspect | Bookkeeper | Auditor |\n|---|---|---|\n"
               "| Tools | Ledger <script>x</script> | Audit software |\n\nAfter the table & more.")
    shown = app.passage_html(passage)
    assert "<table class='passage-table'><tr><th>Aspect</th>" in shown and "<td>Audit software</td>" in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "After the table &amp; more." in shown
    assert "|---|" not in shown
    # a long passage is cut for its card between a table's rows, never inside one
    rows = "".join(f"| Row {k} | {'x' * 20} | {'y' * 20} |\n" for k in range(40))
    long = "| Aspect | Bookkeeper | Auditor |\n|---|---|---|\n" + rows
    shown = app.passage_html(clipped(long, 700))
    assert "|" not in shown and shown.endswith("…") and "<td>Row 0</td>" in shown
    for before in ("P" * 652, "P" * 670):  # cut on the rule line, or just after the header row
        shown = app.passage_html(clipped(before + "\n" + long, 700))
        assert "|" not in shown and "Aspect" not in shown and shown.startswith("PPP")
    shown = app.passage_html(clipped("| A | B |\n|---|---|\n| r | " + "z" * 800 + " |\n| s | t |", 700))
    assert "|" not in shown and "<td>r</td>" in shown and "<td>s</td>" not in shown
    # a list item's bold lead-in is shown bold, its mark as a bullet; bold is never made of a document's markup
    shown = app.passage_html("- **You like clear rules.** The BLS says so.\n- **<b>x</b>** 2 ** 3")
    assert shown.startswith("• <strong>You like clear rules.</strong> The BLS says so.")
    assert "<b>" not in shown and "<strong>&lt;b&gt;x&lt;/b&gt;</strong>" in shown and "2 ** 3" in shown
