"""``python -m ingest [PATH ...]`` — see DESIGN.md for the contract.

Exit status: 0 on success, 1 if some files failed or the store itself failed (one
``error:`` line on stderr, never a traceback), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from advisor.store import StoreUnavailable, store_fault
from ingest.lock import IngestBusy
from ingest.loaders import SUPPORTED_SUFFIXES
from ingest.pipeline import UsageError, ingest_paths, list_sources, remove_source


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Add articles (.md, .txt, .html, .pdf; directories recursively) to the advisor's store.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories (default: corpus/)")
    parser.add_argument("--reset", action="store_true", help="empty the store first")
    parser.add_argument("--rebuild", action="store_true",
                        help="repair a damaged store: move it aside (kept, renamed) and build a new one from the paths")
    parser.add_argument("--prune", action="store_true", help="drop sources no longer on disk under the given directories")
    parser.add_argument("--list", action="store_true", help="list the sources in the store and exit")
    parser.add_argument("--remove", metavar="SOURCE", help="delete one source (its id as --list shows it) and exit")
    parser.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")
    return parser


class _Bar:
    """A tqdm bar on stderr, driven by the pipeline's progress callback."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int, message: str) -> None:
        from tqdm import tqdm

        if message != "embedding":
            return
        if self.bar is None:
            self.bar = tqdm(total=total, desc="embedding", unit="chunk", file=sys.stderr, mininterval=0.2)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.list:
            rows = list_sources()
            if args.json:
                print(json.dumps(rows, indent=2))
            else:
                for row in rows:
                    incomplete = "" if row["ready"] else "\t(incomplete: not searchable until the next ingest)"
                    private = "\t(a visitor's private upload)" if row["private"] else ""
                    print(f"{row['source']}\t{row['chunks']} chunks\t{row['title']}{incomplete}{private}")
                print(f"{len(rows)} sources", file=sys.stderr)
            return 0
        if args.remove:
            removed = remove_source(args.remove)
            print(json.dumps({"deleted": 1, "chunks": removed}) if args.json else f"removed {args.remove} ({removed} chunks)")
            return 0
        bar = _Bar()
        try:
            report = ingest_paths(args.paths or None, reset=args.reset, prune=args.prune, progress=bar,
                                  rebuild=args.rebuild)
        finally:
            bar.close()
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: files not finished stay unsearchable until the next run", file=sys.stderr)
        return 130
    except (StoreUnavailable, IngestBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the store itself failed (a file's failure is in the report): no traceback
        fault = store_fault(exc)  # a damaged store or an unreachable server: say what to do
        print(f"error: {fault}" if fault else f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1

    if report.moved_aside:
        print(f"moved the previous store aside to {report.moved_aside} (kept; delete it once the new store "
              "answers)", file=sys.stderr)

    for source, error in report.failed:
        print(f"failed: {source}: {error}", file=sys.stderr)
    for path in report.ignored:
        print(f"ignored: {path}: not a supported file type ({', '.join(SUPPORTED_SUFFIXES)})", file=sys.stderr)
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print(report.summary_line())
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
