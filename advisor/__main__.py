"""``python -m advisor ask "QUESTION" [--engine E] [--json] [--about TEXT]``, ``chat [--about TEXT]`` and ``feedback --export``."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from advisor.answer import Answer
from advisor.engines import ENGINE_CHOICES
from advisor.llm import EngineUnavailable
from advisor.store import StoreUnavailable


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m advisor", description="Grounded answers to career questions from the ingested articles.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--engine", choices=ENGINE_CHOICES)
    ask.add_argument("--json", action="store_true", help="print one JSON object: answer, refused, engine, citations, rewritten_question, timings_ms")
    ask.add_argument("--about", default="", help="what you say of yourself (skills, likes, country), used with the question")
    chat = sub.add_parser("chat", help="a short chat in the terminal (empty line or Ctrl-D ends it)")
    chat.add_argument("--engine", choices=ENGINE_CHOICES)
    chat.add_argument("--about", default="", help="what you say of yourself, used with every question")
    feedback = sub.add_parser("feedback", help="export thumbs up/down from the chat page")
    feedback.add_argument("--export", metavar="FILE", required=True, help="write eval cases as JSONL")
    return parser


def _print_sources(answer: Answer) -> None:
    for c in answer.citations:
        where = f"{c.title} — {c.section}" if c.section else c.title
        print(f"  [{c.id}] {where} ({c.source})")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from advisor.chain import get_advisor

    try:
        if args.command == "feedback":
            from advisor.feedback import export_cases

            count = export_cases(args.export)
            print(f"wrote {count} cases to {args.export}")
            return 0
        advisor = get_advisor(args.engine)
        if args.command == "ask":
            if not args.question.strip():
                print("error: the question is empty", file=sys.stderr)
                return 2
            if args.json:
                print(json.dumps(advisor.ask(args.question, about=args.about).to_dict(), ensure_ascii=False))
                return 0
            answer = None
            for item in advisor.stream(args.question, about=args.about):
                if isinstance(item, Answer):
                    answer = item
                else:
                    print(item, end="", flush=True)
            if answer.notice:
                print(f"\n({answer.notice})", file=sys.stderr)
            print(f"\n[{answer.engine}]")
            _print_sources(answer)
            return 0
        history: list[tuple[str, str]] = []
        while True:
            try:
                question = input("you> ").strip()
            except EOFError:
                break
            if not question:
                break
            answer = advisor.ask(question, history, about=args.about)
            print(answer.text)
            _print_sources(answer)
            history.append((question, answer.text))
        return 0
    except (EngineUnavailable, StoreUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a step that failed: one line, not a traceback (the log has the details)
        logging.getLogger(__name__).debug("answer failed", exc_info=True)
        print(f"error: something went wrong while answering ({type(exc).__name__}: {exc}). Please try again.",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
