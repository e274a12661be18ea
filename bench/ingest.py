"""Ingest throughput beside the raw encode throughput of the same model on the same chunks.

Builds a corpus of N copies of corpus/ (each copy is a distinct source), ingests it
into a fresh store, then encodes exactly the chunks ingest embedded with
``SentenceTransformer.encode`` alone: the limit on this machine. Also times a
re-ingest of the unchanged corpus (it must embed nothing), and the same for a
corpus of many small files (1,000 by default).

    python bench/ingest.py [--copies 12] [--files 1000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.config import PROJECT_ROOT, Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--files", type=int, default=1000, help="small files for the re-ingest check")
    args = parser.parse_args()
    from advisor.embeddings import get_embeddings
    from ingest.chunking import chunk_document
    from ingest.loaders import load_file
    from ingest.pipeline import ingest_paths

    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        for i in range(args.copies):
            for article in (PROJECT_ROOT / "corpus").glob("*.md"):
                text = article.read_text().replace("# ", f"# Copy {i}: ", 1)
                (corpus / f"{i:03d}-{article.name}").write_text(text)
        settings = Settings(home=work / "home")
        embeddings = get_embeddings()
        embeddings.encode(["warm-up"])  # load and warm the model outside both timings

        report = ingest_paths([corpus], settings=settings)
        texts = [c.embed_text for f in sorted(corpus.glob("*.md")) for c in chunk_document(load_file(f), settings)]
        assert len(texts) == report.chunks, (len(texts), report.chunks)

        t0 = time.perf_counter()
        embeddings._client.encode(texts, batch_size=settings.embed_batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
        raw = len(texts) / (time.perf_counter() - t0)

        t0 = time.perf_counter()
        again = ingest_paths([corpus], settings=settings)
        reingest_s = time.perf_counter() - t0

        print(f"machine: {os.cpu_count()} cores; {len(list(corpus.glob('*.md')))} files, {report.chunks} chunks")
        print(f"raw encode (SentenceTransformer.encode): {raw:8.1f} chunks/s")
        print(f"python -m ingest (embed + Chroma upsert): {report.chunks_per_second:8.1f} chunks/s "
              f"= {100 * report.chunks_per_second / raw:.0f}% of raw (target >= 80%)")
        print(f"ingest wall time incl. loading and chunking: {report.seconds:.1f} s")
        print(f"re-ingest unchanged: {reingest_s:.2f} s, embedded {again.chunks} chunks, skipped {len(again.skipped)} files")

        # Re-ingest at the file count the target names: many small files, each one chunk.
        many = work / "many"
        many.mkdir()
        paragraphs = [p.strip() for a in sorted((PROJECT_ROOT / "corpus").glob("*.md"))
                      for p in a.read_text().split("\n\n") if len(p.strip()) > 80 and not p.startswith(("#", "---"))]
        for i in range(args.files):
            (many / f"note-{i:04d}.md").write_text(f"# Note {i}\n\n{paragraphs[i % len(paragraphs)]} (note {i})\n")
        many_settings = Settings(home=work / "home-many")
        first = ingest_paths([many], settings=many_settings)
        t0 = time.perf_counter()
        again = ingest_paths([many], settings=many_settings)
        print(f"{args.files} small files: first ingest {first.seconds:.1f} s ({first.chunks} chunks); re-ingest unchanged "
              f"{time.perf_counter() - t0:.2f} s, embedded {again.chunks} chunks, skipped {len(again.skipped)} files")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
