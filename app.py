"""The chat page: a thin Gradio layer over the ``advisor`` API.

    python app.py [--host 127.0.0.1] [--port 7860]
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import threading
import time
from pathlib import Path

from advisor.config import configure_offline, get_settings

configure_offline()

import gradio as gr  # noqa: E402

from advisor.answer import Answer  # noqa: E402
from advisor.chain import get_advisor  # noqa: E402
from advisor.feedback import record_feedback  # noqa: E402
from advisor.llm import EngineUnavailable  # noqa: E402
from advisor.profile import StoreProfile  # noqa: E402
from advisor.store import StoreUnavailable  # noqa: E402
from advisor.text import clipped, table_at  # noqa: E402
from ingest.loaders import SUPPORTED_SUFFIXES  # noqa: E402
from ingest.pipeline import ensure_store, ingest_uploads, remove_uploads  # noqa: E402

PREPARE_EVERY_S = 30  # how often the page looks for passages added by an ingest (its own or a terminal's)
EMPTY_SOURCES = "<div class='sources-empty'>Sources for the latest answer appear here.</div>"

CSS = """
.gradio-container {max-width: 1180px !important; margin: auto;}
#title h1 {margin-bottom: 0;}
#title p {color: var(--body-text-color-subdued); margin-top: 4px;}
.source-card {border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px; margin-bottom: 10px;}
.source-card .num {display: inline-block; min-width: 26px; font-weight: 700; color: var(--color-accent);}
.source-card .title {font-weight: 600;}
.source-card .meta {font-size: 0.85em; color: var(--body-text-color-subdued); margin: 2px 0 6px 26px;}
.source-card blockquote {margin: 0 0 0 26px; font-size: 0.92em; white-space: pre-wrap;}
.passage-table {border-collapse: collapse; margin: 4px 0; white-space: normal; font-size: 0.95em;}
.passage-table th, .passage-table td {border: 1px solid var(--border-color-primary); padding: 2px 6px; text-align: left;
  vertical-align: top;}
.sources-empty {color: var(--body-text-color-subdued); font-style: italic; padding: 8px 0;}
.engine-badge {font-size: 0.8em; color: var(--body-text-color-subdued);}
"""


_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BULLET = re.compile(r"^(\s*)[-*]\s+")


def _line_html(line: str) -> str:
    """One line of a passage, escaped, its Markdown bold shown bold and a list mark as a bullet (not "- **…**")."""
    return _STRONG.sub(r"<strong>\1</strong>", _BULLET.sub(r"\1• ", html.escape(line)))


def passage_html(text: str) -> str:
    """A passage for its card: escaped text, with a Markdown table shown as a table rather than as pipes."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        table = table_at(lines, i)
        if table is None:
            out.append(_line_html(lines[i]))
            i += 1
            continue
        header, rows, i = table
        cells = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
        out.append(f"<table class='passage-table'><tr>{cells}</tr>{body}</table>")
    return "\n".join(out)


def render_sources(answer: Answer | None) -> str:
    """The citations of an answer as cards; every string from a document is escaped."""
    if answer is None or not answer.citations:
        return EMPTY_SOURCES
    cards = []
    for c in answer.citations:
        where = html.escape(c.source) + (f" · {html.escape(c.section)}" if c.section else "")
        publication = f"<br>{html.escape(c.publication)}" if c.publication else ""
        passage = passage_html(clipped(c.text, 700))
        cards.append(
            f"<div class='source-card' data-citation='{c.id}'><span class='num'>[{c.id}]</span>"
            f"<span class='title'>{html.escape(c.title)}</span><div class='meta'>{where}{publication}</div>"
            f"<blockquote>{passage}</blockquote></div>"
        )
    return "\n".join(cards)


def _as_text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # Gradio 6 may hand back [{"type": "text", "text": ...}]
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content or "")


def session_of(request: gr.Request | None) -> str | None:
    """The visitor's page session: its uploads answer it alone."""
    return getattr(request, "session_hash", None) or None


def engine_line(answer: Answer) -> str:
    """Who wrote the answer, and what verification removed from a model's draft."""
    line = f"answered by {answer.engine}"
    if answer.drafted_sentences:
        line += (f" · verification removed {answer.dropped_sentences} of the model's "
                 f"{answer.drafted_sentences} drafted sentences")
    return line


def respond(message: str, chat: list, records: list, about: str = "", request: gr.Request = None):
    """Stream one grounded answer into the chat; update the sources panel at the end.

    ``about`` is the visitor's "About you" box: used with every question of this tab and kept
    nowhere, except in a rating's record (so the exported case replays as it was asked)."""
    message = (message or "").strip()
    if not message:  # nothing to answer: leave the chat as it was
        yield chat, "", gr.update(), records
        return
    notice = ""
    limit = get_settings().max_question_chars
    if len(message) > limit:
        message = message[:limit]
        notice = f"_Your message was long, so only its first {limit} characters were used._\n\n"
    history = [(r["question"], r["answer"]) for r in records if r["answer_obj"] is not None]
    chat = chat + [{"role": "user", "content": html.escape(message)}, {"role": "assistant", "content": notice}]
    # Every reply gets a record that names its place in the chat, so a rating always lands on the
    # reply that was rated, also after error replies.
    place = len(chat) - 1
    yield chat, "", gr.update(), records
    text = ""
    try:
        for item in get_advisor().stream(message, history, session=session_of(request), about=about or ""):
            if isinstance(item, Answer):
                badge = f"\n\n<span class='engine-badge'>{html.escape(engine_line(item))}</span>"
                extra = f"\n\n_{html.escape(item.notice)}_" if item.notice else ""
                chat[-1] = {"role": "assistant", "content": notice + html.escape(item.text) + extra + badge}
                records = records + [{"index": place, "question": message, "answer": item.text, "answer_obj": item,
                                      "about": about or ""}]
                yield chat, "", render_sources(item), records
            else:
                text += item
                chat[-1] = {"role": "assistant", "content": notice + html.escape(text)}
                yield chat, "", gr.update(), records
    except (EngineUnavailable, StoreUnavailable) as exc:
        chat[-1] = {"role": "assistant", "content": f"Sorry, I can't answer right now: {html.escape(str(exc))}"}
        yield chat, "", gr.update(), records + [{"index": place, "question": message, "answer": None, "answer_obj": None}]
    except Exception as exc:  # never show a stack trace in the chat
        print(f"error while answering: {exc!r}", file=sys.stderr)
        chat[-1] = {"role": "assistant", "content": "Sorry, something went wrong while answering. Please try again."}
        yield chat, "", gr.update(), records + [{"index": place, "question": message, "answer": None, "answer_obj": None}]


def on_like(data: gr.LikeData, records: list):
    """Store a thumbs up/down for the reply that was rated (found by its place in the chat)."""
    index = data.index if isinstance(data.index, int) else data.index[0]
    record = next((r for r in records if r.get("index") == index), None)
    if data.liked is None or record is None:
        return gr.update()
    if record["answer_obj"] is None:
        return gr.update(value="That reply was an error message, so there is nothing to rate.")
    earlier = [(r["question"], r["answer"]) for r in records
               if r.get("index", -1) < index and r["answer_obj"] is not None]
    record_feedback(record["answer_obj"], liked=bool(data.liked), question=record["question"], history=earlier,
                    about=record.get("about", ""))
    return gr.update(value=f"Thanks — your {'👍' if data.liked else '👎'} was saved.")


def upload(files, owned, request: gr.Request = None, progress=gr.Progress()):
    """Ingest uploaded files for this visitor (see ingest.pipeline.ingest_uploads); report each failure by name.

    Returns the status line and the session's ``owned`` state (its session id once it has
    uploaded), whose deletion by Gradio deletes the uploads.
    """
    if not files:
        return "No files selected.", owned
    settings = get_settings()
    if len(files) > settings.max_upload_files:
        return (f"Too many files at once ({len(files)}); the limit is {settings.max_upload_files}. "
                "Nothing was added."), owned
    paths = [f if isinstance(f, str) else f.name for f in files]

    def on_progress(done: int, total: int, message: str) -> None:
        progress((done, max(total, 1)), desc=message)

    try:
        # The saved copy keeps the file's name as uploaded.
        report = ingest_uploads([(p, Path(p).name) for p in paths], session_of(request), progress=on_progress)
    except Exception as exc:
        return f"Upload failed: {html.escape(str(exc))}", owned
    lines = [f"Added {len(report.added) + len(report.updated)} file(s), {report.chunks} passages; "
             f"{len(report.skipped)} already known."]
    for source, error in report.failed:
        lines.append(f"- **{html.escape(source.rsplit('/', 1)[-1])}**: {html.escape(error)}")
    for asked, stored in report.renamed:
        lines.append(f"- **{html.escape(asked.rsplit('/', 1)[-1])}**: a different file of that name is already "
                     f"here, so this one is kept as **{html.escape(stored.rsplit('/', 1)[-1])}**.")
    if report.added or report.updated:
        if settings.publish_uploads:
            lines.append("You can ask about them now; they are part of the shared library for everyone.")
        else:
            lines.append(f"You can ask about them now. Only you see them, in this tab; they are deleted when "
                         f"you close it or after {settings.upload_ttl_minutes:g} minutes.")
    return "\n".join(lines), session_of(request) or owned


def forget_uploads(session: str | None) -> None:
    """Gradio dropped a session's state (closed for an hour, or past the TTL): its uploads go too.

    Not ``demo.unload``: that fires on any dropped connection, also one the tab reopens
    a moment later, and would lose a visitor's files mid-conversation.
    """
    if session and not get_settings().publish_uploads:
        removed = remove_uploads(owner=session)
        if removed:
            print(f"session ended: {removed} uploaded passages removed", file=sys.stderr)


def _sweep_uploads() -> None:
    """Delete private uploads older than the TTL, now and then, for sessions that never said goodbye."""
    settings = get_settings()
    ttl_s = settings.upload_ttl_minutes * 60
    while True:
        try:
            removed = remove_uploads(older_than_s=ttl_s)
            if removed:
                print(f"expired uploads: {removed} passages removed", file=sys.stderr)
        except Exception as exc:  # a failed sweep is retried next time; it must not end the thread
            print(f"upload sweep failed: {exc!r}", file=sys.stderr)
        time.sleep(min(max(ttl_s / 4, 5.0), 300.0))


def build_ui() -> gr.Blocks:
    """The page, presented from the store's profile: its title, scope and starter questions.

    A store that cannot be read or reached at start (damaged, or its server down) does not stop the page:
    it is presented plainly, and every question says what is wrong until the store is repaired."""
    try:
        profile = get_advisor().profile()
    except StoreUnavailable as exc:
        print(f"warning: {exc}", file=sys.stderr)
        profile = StoreProfile.empty()
    with gr.Blocks(title=f"Career Advisor — {profile.title}", analytics_enabled=False) as demo:
        records = gr.State([])
        owned = gr.State(None, time_to_live=get_settings().upload_ttl_minutes * 60, delete_callback=forget_uploads)
        gr.Markdown(
            f"# {html.escape(profile.title)}\nAsk about {html.escape(profile.scope.rstrip('.'))}. Every answer is "
            "built only from the source articles and cites them.",
            elem_id="title",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(height=520, label="Chat", elem_id="chat", buttons=["copy"],
                                     placeholder="Ask a question, or pick one below.")
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question about these careers…", show_label=False,
                                     scale=5, elem_id="question", max_lines=6)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    starters = [gr.Button(q, size="sm", elem_classes=["starter"]) for q in profile.starters]
                with gr.Accordion("About you (optional)", open=False):
                    about = gr.Textbox("", placeholder="Your skills, what you like or dislike, your country…",
                                       show_label=False, max_lines=3, elem_id="about",
                                       info="Used with every question in this tab; not stored.")
                status = gr.Markdown("", elem_id="status")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(EMPTY_SOURCES, elem_id="sources")
                with gr.Accordion("Add your own articles", open=False):
                    # No file_types: Gradio would reject a whole batch for one unsupported file without
                    # naming it; ingest reports that file by name and adds the others.
                    files = gr.File(file_count="multiple",
                                    label=f"Articles ({', '.join(SUPPORTED_SUFFIXES)})", elem_id="upload")
                    upload_status = gr.Markdown("", elem_id="upload-status")

        outputs = [chatbot, box, sources, records]
        # One public API endpoint per action ("/ask", "/upload"); the duplicates the page
        # needs for Enter and the starter buttons stay out of the API listing.
        send.click(respond, [box, chatbot, records, about], outputs, api_name="ask")
        box.submit(respond, [box, chatbot, records, about], outputs, api_visibility="private")
        for button in starters:
            button.click(respond, [button, chatbot, records, about], outputs, api_visibility="private")
        chatbot.like(on_like, [records], [status], api_visibility="private")
        files.upload(upload, [files, owned], [upload_status, owned], api_name="upload")
    return demo


def _warm_up() -> None:
    """Load the models in the background so the page is served before they are ready; then keep the store's
    passages prepared (their sentence vectors embedded ahead of the questions that will retrieve them)."""
    advisor, waiting = None, ""
    while advisor is None:
        try:
            advisor = get_advisor()
            print(f"engine: {advisor.engine.name} ({advisor.engine_reason or 'chosen in the settings'})",
                  file=sys.stderr)
            advisor.warm_up()  # loads the models; answering a question here would hold the model from the first visitor
        except StoreUnavailable as exc:  # damaged, deleted or out of reach: try again until it is repaired
            if str(exc) != waiting:
                print(f"warm-up waits for the store: {exc}", file=sys.stderr)
                waiting = str(exc)
            advisor = None
            time.sleep(PREPARE_EVERY_S)
        except Exception as exc:
            print(f"warm-up failed: {exc!r}", file=sys.stderr)
            return
    prepared_for = None
    while True:
        try:
            current = advisor.profile().revision
            if current != prepared_for:
                started = time.perf_counter()
                passages, encoded = advisor.prepare_passages()
                prepared_for = current
                if encoded:
                    print(f"prepared {encoded} sentence vectors for {passages} passages "
                          f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        except Exception as exc:  # the store may be busy or rebuilt: try again later
            print(f"preparing passages failed: {exc!r}", file=sys.stderr)
        time.sleep(PREPARE_EVERY_S)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The career advisor's chat page.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def console_progress(done: int, total: int, message: str) -> None:
        if message == "embedding":
            print(f"\rbuilding the store from corpus/: {done}/{total} passages", end="", file=sys.stderr, flush=True)

    try:
        report = ensure_store(get_settings(), progress=console_progress)
    except StoreUnavailable as exc:  # the page still starts; each question says what is wrong
        print(f"warning: {exc}", file=sys.stderr)
        report = None
    if report is not None:
        print(f"\n{report.summary_line()}", file=sys.stderr)
    threading.Thread(target=_warm_up, daemon=True).start()
    threading.Thread(target=_sweep_uploads, daemon=True).start()
    demo = build_ui()
    demo.queue(default_concurrency_limit=4)
    demo.launch(server_name=args.host, server_port=args.port, css=CSS, theme=gr.themes.Soft(),
                show_error=False, prevent_thread_lock=True, quiet=True,
                max_file_size=get_settings().max_file_bytes)
    print(f"Career Advisor ready at http://{args.host}:{args.port} ({time.perf_counter() - started:.1f} s)", flush=True)
    demo.block_thread()


if __name__ == "__main__":
    main()
