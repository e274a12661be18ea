"""Retrieval at scale: Chroma's HNSW index against exact search, for stores of 1k, 10k and 100k chunks.

The stores hold the real corpus chunks plus generated career-like passages (built
from templates over roles, tools, places and figures, then embedded with the
project's model, so the vectors cluster as real text does). The queries are the
eval questions plus generated career questions. For every size and HNSW setting
it prints the build time, query latency p50/p95 and recall@5 against exact
brute-force search (numpy over the same normalised vectors), whose latency is
printed beside it.

The passages' embeddings are cached under bench/.cache, so only the first run
spends time embedding (about 100k short passages).

    python bench/scale.py [--sizes 1000,10000,100000] [--queries 100] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.config import configure_offline, get_settings  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
# (ef_construction, max_neighbors) builds, each with every ef_search. The largest
# store skips the settings the smaller ones already show to be too weak.
BUILDS = ((100, 16), (200, 32), (200, 64))
EF_SEARCH = (50, 100, 200, 400)
LARGE = 50_000
LARGE_BUILDS = ((200, 32), (200, 64))
LARGE_EF_SEARCH = (100, 200, 400)
TARGET_RECALL = {10_000: 0.99, 100_000: 0.95}

ROLES = ["AI engineer", "ML engineer", "data scientist", "data engineer", "MLOps engineer", "research scientist",
         "software engineer", "analytics engineer", "platform engineer", "applied scientist", "LLM engineer",
         "computer vision engineer", "NLP engineer", "backend developer", "data analyst"]
TOOLS = ["PyTorch", "TensorFlow", "LangChain", "Kubernetes", "Docker", "Spark", "Airflow", "MLflow", "scikit-learn",
         "Hugging Face", "a vector database", "SQL", "dbt", "FastAPI", "Ray", "JAX", "XGBoost", "Terraform",
         "Kafka", "Snowflake", "LlamaIndex", "ONNX", "Triton", "Weights & Biases", "pandas", "Rust", "Go"]
TOPICS = ["salary negotiation", "technical interviews", "a portfolio", "certifications", "team structure",
          "remote work", "the career ladder", "onboarding", "code review", "model evaluation", "deployment",
          "monitoring in production", "feature stores", "fine-tuning", "retrieval-augmented generation", "agents",
          "prompt design", "data quality", "A/B testing", "on-call duty", "cost control", "privacy rules",
          "open-source work", "mentoring", "hiring panels", "promotion cases", "side projects", "bootcamps"]
EMPLOYERS = ["a fintech startup", "a large bank", "an online retailer", "a hospital group", "a game studio",
             "a logistics firm", "a media company", "an insurance provider", "a telecom operator", "a car maker",
             "a public agency", "a travel platform", "an energy utility", "a biotech lab", "a consultancy"]
PLACES = ["London", "Berlin", "New York", "Austin", "Toronto", "Bangalore", "Sydney", "Paris", "Amsterdam",
          "Singapore", "Dublin", "Madrid", "Zurich", "Seattle", "Warsaw", "remote across Europe"]
SENTENCES = [
    "A {role} at {employer} in {place} spends most weeks on {topic}, mostly with {tool}.",
    "For {topic}, a {role} is usually expected to know {tool} and {tool2}.",
    "Job adverts for a {role} in {place} list {tool} first and mention {topic} as a plus.",
    "Pay for a {role} in {place} is often quoted at {money} a year, though {employer} may offer less.",
    "Moving from {role} to {role2} took {years} years for many people, largely through {topic}.",
    "{employer_cap} hires a {role} to own {topic} and to keep {tool} running in production.",
    "Interviews for a {role} at {employer} test {topic} and a take-home exercise with {tool}.",
    "A survey of {count} {role}s found that {percent}% use {tool} every week.",
    "Unlike a {role2}, a {role} tends to care more about {topic} than about {tool}.",
    "Learning {tool} is a common first step for a {role2} who wants to become a {role}.",
]
QUESTIONS = [
    "What does a {role} do at {employer}?", "How much does a {role} earn in {place}?",
    "Which tools does a {role} use for {topic}?", "How do I move from {role2} to {role}?",
    "Is {tool} needed to work as a {role}?", "What do interviews for a {role} cover?",
]


def _fill(template: str, rng: random.Random) -> str:
    role, role2 = rng.sample(ROLES, 2)
    tool, tool2 = rng.sample(TOOLS, 2)
    employer = rng.choice(EMPLOYERS)
    return template.format(
        role=role, role2=role2, tool=tool, tool2=tool2, topic=rng.choice(TOPICS), place=rng.choice(PLACES),
        employer=employer, employer_cap=employer[0].upper() + employer[1:], years=rng.randint(1, 6),
        money=f"${rng.randrange(60, 400, 5)},000" if rng.random() < 0.6 else f"£{rng.randrange(40, 250, 5)}k",
        count=rng.randrange(100, 5000, 50), percent=rng.randint(5, 95),
    )


def generated_passages(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(_fill(rng.choice(SENTENCES), rng) for _ in range(rng.randint(1, 3))) for _ in range(n)]


def corpus_chunks() -> list[str]:
    from ingest.chunking import chunk_document
    from ingest.loaders import load_file

    settings = get_settings()
    texts = []
    for path in sorted(settings.corpus_dir.glob("*.md")):
        texts += [c.embed_text for c in chunk_document(load_file(path), settings)]
    return texts


def embed_cached(texts: list[str], name: str) -> np.ndarray:
    from advisor.embeddings import get_embeddings

    # Keyed by the texts themselves: a changed corpus, dataset or generator never reuses stale vectors.
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{len(texts)}-{digest}.npy"
    if path.exists():
        return np.load(path)
    started = time.perf_counter()
    model = get_embeddings()
    parts = []
    for i in range(0, len(texts), 2048):
        parts.append(model.encode(texts[i:i + 2048], batch_size=128))
        done = min(i + 2048, len(texts))
        rate = done / (time.perf_counter() - started)
        print(f"\rembedding {name}: {done}/{len(texts)} ({rate:.0f}/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    vectors = np.vstack(parts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def percentile_ms(seconds: list[float], q: float) -> float:
    return float(np.percentile(np.array(seconds) * 1000, q))


def exact_search(vectors: np.ndarray, queries: np.ndarray, k: int = 5) -> tuple[list[float], list[float]]:
    """The k-th best cosine per query (vectors are normalised), and the time of each exact top-k search."""
    kth, times = [], []
    for q in queries:
        t = time.perf_counter()
        scores = vectors @ q
        top = np.argpartition(-scores, k)[:k]
        times.append(time.perf_counter() - t)
        kth.append(float(scores[top].min()))
    return kth, times


def recall_at_k(vectors: np.ndarray, queries: np.ndarray, found: list[set[int]], kth: list[float], k: int = 5) -> float:
    """Share of returned ids that belong to the exact top k; a tie with the k-th score counts as a hit."""
    hits = [sum(float(vectors[i] @ q) >= best - 1e-5 for i in ids) / k for q, ids, best in zip(queries, found, kth)]
    return float(np.mean(hits))


def build_store(vectors: np.ndarray, ef_construction: int, max_neighbors: int, ef_search: int, path: Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection(
        "bench", embedding_function=None,
        configuration={"hnsw": {"space": "cosine", "ef_construction": ef_construction,
                                "max_neighbors": max_neighbors, "ef_search": ef_search}},
    )
    started = time.perf_counter()
    batch = 5000
    for i in range(0, len(vectors), batch):
        collection.add(ids=[str(j) for j in range(i, min(i + batch, len(vectors)))], embeddings=vectors[i:i + batch])
    return client, collection, time.perf_counter() - started


def hnsw_search(collection, queries: np.ndarray, k: int = 5) -> tuple[list[set[int]], list[float]]:
    tops, times = [], []
    for q in queries:
        t = time.perf_counter()
        result = collection.query(query_embeddings=[q], n_results=k, include=[])
        times.append(time.perf_counter() - t)
        tops.append({int(i) for i in result["ids"][0]})
    return tops, times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    configure_offline()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    from evals.dataset import load_cases

    real = corpus_chunks()
    pool = real + generated_passages(max(sizes) - len(real))
    vectors = np.vstack([embed_cached(real, "corpus"), embed_cached(pool[len(real):], "generated")])
    rng = random.Random(11)
    questions = [c.question for c in load_cases() if c.answerable]
    questions += [_fill(rng.choice(QUESTIONS), rng) for _ in range(max(0, args.queries - len(questions)))]
    queries = embed_cached(questions[: args.queries], "queries")

    rows = []
    for size in sizes:
        data = vectors[:size]
        truth, exact_times = exact_search(data, queries)
        exact = {"p50_ms": percentile_ms(exact_times, 50), "p95_ms": percentile_ms(exact_times, 95)}
        print(f"\n{size} chunks — exact search (numpy): p50 {exact['p50_ms']:.2f} ms, p95 {exact['p95_ms']:.2f} ms")
        # Chroma reads ef_search when it loads an index: changing it later with
        # collection.modify() does not reach an index already in memory. So every
        # setting gets its own build.
        for ef_construction, max_neighbors in (LARGE_BUILDS if size >= LARGE else BUILDS):
            for ef_search in (LARGE_EF_SEARCH if size >= LARGE else EF_SEARCH):
                tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
                try:
                    client, collection, build_s = build_store(data, ef_construction, max_neighbors, ef_search, tmp)
                    hnsw_search(collection, queries[:5])  # warm up
                    found, times = hnsw_search(collection, queries)
                    recall = recall_at_k(data, queries, found, truth)
                    row = {"size": size, "ef_construction": ef_construction, "max_neighbors": max_neighbors,
                           "ef_search": ef_search, "build_s": round(build_s, 1), "recall_at_5": round(recall, 4),
                           "p50_ms": round(percentile_ms(times, 50), 2), "p95_ms": round(percentile_ms(times, 95), 2),
                           "exact_p50_ms": round(exact["p50_ms"], 2), "exact_p95_ms": round(exact["p95_ms"], 2)}
                    rows.append(row)
                    print(f"  ef_construction {ef_construction:>3}, max_neighbors {max_neighbors:>2}, ef_search "
                          f"{ef_search:>3}: recall@5 {recall:.4f}, p50 {row['p50_ms']:.2f} ms, "
                          f"p95 {row['p95_ms']:.2f} ms (build {build_s:.1f} s)", flush=True)
                    del collection, client
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)

    print("\ncheapest setting that meets the recall target, per size:")
    for size in sizes:
        target = TARGET_RECALL.get(size, 0.99)
        ok = [r for r in rows if r["size"] == size and r["recall_at_5"] >= target]
        best = min(ok, key=lambda r: (r["p50_ms"], r["ef_search"]), default=None)
        if best:
            print(f"  {size}: ef_construction {best['ef_construction']}, max_neighbors {best['max_neighbors']}, "
                  f"ef_search {best['ef_search']} → recall@5 {best['recall_at_5']} (target {target}), "
                  f"p50 {best['p50_ms']} ms vs exact {best['exact_p50_ms']} ms")
        else:
            print(f"  {size}: no setting reached recall@5 {target}")
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
