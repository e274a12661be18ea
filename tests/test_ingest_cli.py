"""The ``python -m ingest`` contract, exercised through the real CLI and a real store."""

import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from conftest import DATA, ROOT, run_cli


def ingest_json(home: Path, *args: str, **env: str):
    result = run_cli("ingest", "--json", *args, env={"ADVISOR_HOME": str(home), **env})
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return result, (json.loads(lines[-1]) if lines else None)


@contextmanager
def store_collection(home: Path):
    """The store's collection through a client opened (and closed) for this look, so it sees the CLI's writes."""
    import chromadb

    client = chromadb.PersistentClient(path=str(home / "chroma"), settings=chromadb.config.Settings(anonymized_telemetry=False))
    try:
        yield client.get_collection("career")
    finally:
        client.close()


def store_ids(home: Path) -> dict[str, str]:
    with store_collection(home) as collection:
        got = collection.get(include=["documents"])
    return dict(zip(got["ids"], got["documents"]))


def store_metadatas(home: Path) -> dict[str, dict]:
    with store_collection(home) as collection:
        got = collection.get(include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"]))


def listed_sources(home: Path) -> set[str]:
    result = run_cli("ingest", "--list", "--json", env={"ADVISOR_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    return {row["source"] for row in json.loads(result.stdout)}


def test_first_run_adds_everything_and_second_run_adds_nothing(tmp_path, corpus_copy):
    home = tmp_path / "home"
    first, summary = ingest_json(home, str(corpus_copy))
    assert first.returncode == 0, first.stderr
    files = len(list(corpus_copy.glob("*.md")))
    assert summary["added"] == files and summary["failed"] == 0
    assert summary["chunks"] == summary["total_chunks"] > files
    before = store_ids(home)

    second, summary2 = ingest_json(home, str(corpus_copy))
    assert second.returncode == 0
    assert (summary2["added"], summary2["updated"], summary2["chunks"]) == (0, 0, 0)
    assert summary2["skipped"] == files
    assert store_ids(home) == before

    # an edited profile.yaml alone is taken without embedding or calibrating anything again: a mark left in the
    # saved gate survives
    with store_collection(home) as collection:
        metadata = dict(collection.metadata)
        gate = json.loads(metadata["gate"])
        metadata["gate"] = json.dumps({**gate, "threshold": 0.123456})
        collection.modify(metadata=metadata)
    profile = corpus_copy / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("title:", "title: Renamed —", 1), encoding="utf-8")
    third, summary3 = ingest_json(home, str(corpus_copy))
    assert third.returncode == 0 and summary3["chunks"] == 0, third.stderr
    with store_collection(home) as collection:
        assert json.loads(collection.metadata["profile"])["title"].startswith("Renamed —")
        assert json.loads(collection.metadata["gate"])["threshold"] == 0.123456


def test_changed_file_replaces_its_chunks_and_prune_drops_deleted_files(tmp_path, corpus_copy):
    home = tmp_path / "home"
    ingest_json(home, str(corpus_copy))
    target = corpus_copy / "salaries-and-job-market.md"
    target.write_text(target.read_text().replace("£105k", "£111k"))
    (corpus_copy / "choosing-your-path.md").unlink()

    result, summary = ingest_json(home, str(corpus_copy), "--prune")
    assert result.returncode == 0, result.stderr
    assert summary["updated"] == 1 and summary["deleted"] == 1 and summary["added"] == 0
    assert 0 < summary["chunks"] < 4  # only the edited chunk(s) are embedded again
    texts = " ".join(store_ids(home).values())
    assert "£111k" in texts and "£105k" not in texts
    assert "four steps" not in texts  # choosing-your-path.md is gone
    listed = run_cli("ingest", "--list", "--json", env={"ADVISOR_HOME": str(home)})
    sources = {row["source"] for row in json.loads(listed.stdout)}
    assert "choosing-your-path.md" not in sources and "salaries-and-job-market.md" in sources


def test_remove_and_reset(tmp_path, corpus_copy):
    home = tmp_path / "home"
    ingest_json(home, str(corpus_copy))
    removed = run_cli("ingest", "--remove", "core-differences.md", env={"ADVISOR_HOME": str(home)})
    assert removed.returncode == 0, removed.stderr
    assert all("comparison table" not in t for t in store_ids(home).values())
    unknown = run_cli("ingest", "--remove", "no-such.md", env={"ADVISOR_HOME": str(home)})
    assert unknown.returncode == 2 and "no source named" in unknown.stderr

    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(corpus_copy / "skills-compared.md", one)
    result, summary = ingest_json(home, str(one), "--reset")
    assert result.returncode == 0
    listed = json.loads(run_cli("ingest", "--list", "--json", env={"ADVISOR_HOME": str(home)}).stdout)
    assert [row["source"] for row in listed] == ["skills-compared.md"]


def test_missing_path_is_bad_usage_and_changes_nothing(tmp_path, corpus_copy):
    home = tmp_path / "home"
    result = run_cli("ingest", str(corpus_copy), str(tmp_path / "nope"), env={"ADVISOR_HOME": str(home)})
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr and "nope" in result.stderr
    assert not (home / "chroma").exists()


def test_bad_files_are_reported_by_name_and_the_rest_ingested(tmp_path):
    home = tmp_path / "home"
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(DATA / "debris-page.html", mixed)
    shutil.copy(DATA / "navigation-only.html", mixed)
    (mixed / "good.txt").write_text("Data engineers build the pipelines that feed analytics and machine learning.\n")
    (mixed / "empty.md").write_text("")
    (mixed / "latin1.txt").write_bytes("Gehalt f\u00fcr Ingenieure".encode("latin-1"))
    (mixed / "image.txt").write_bytes(b"\x89PNG\x00\x00\x00")
    unreadable = mixed / "secret.md"
    unreadable.write_text("# Secret\nno access")
    unreadable.chmod(0)

    root_reads_anything = os.geteuid() == 0  # root ignores file permissions

    result, summary = ingest_json(home, str(mixed))
    assert result.returncode == 1
    assert summary["added"] == (3 if root_reads_anything else 2)
    failed = {f["source"] for f in summary["failures"]}
    assert {"empty.md", "latin1.txt", "image.txt", "navigation-only.html"} <= failed
    if not root_reads_anything:
        assert "secret.md: permission denied" in result.stderr
    for name in ("empty.md", "latin1.txt", "image.txt"):
        assert name in result.stderr
    assert "navigation-only.html: no article text found (the page looks like navigation only)" in result.stderr
    texts = " ".join(store_ids(home).values())
    assert "Data engineers build the pipelines" in texts
    assert "MLOps engineers keep machine learning systems healthy" in texts
    assert "Accept all cookies" not in texts
    unreadable.chmod(0o644)


def test_human_summary_and_progress_bar(tmp_path, corpus_copy):
    result = run_cli("ingest", str(corpus_copy), env={"ADVISOR_HOME": str(tmp_path / "home")})
    assert result.returncode == 0
    assert "embedding" in result.stderr  # the progress bar
    assert result.stdout.startswith("added 7, updated 0, skipped 0, deleted 0, failed 0;")
    assert "chunks/s" in result.stdout


# ------------------------------------------------------------------ source ids

def _notes(tmp_path: Path) -> tuple[Path, Path]:
    """Two different files that share a name, in directories a/ and b/."""
    texts = {
        "a": "Data engineers build the pipelines that feed analytics and machine learning.",
        "b": "Prompt engineers write evaluation suites that measure what a chatbot answers.",
    }
    for folder, text in texts.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.md").write_text(f"# Notes {folder}\n\n{text}\n")
    return tmp_path / "a" / "notes.md", tmp_path / "b" / "notes.md"


def test_files_with_one_name_in_two_folders_never_replace_each_other(tmp_path):
    home = tmp_path / "home"
    a, b = _notes(tmp_path)
    first, summary = ingest_json(home, str(a), str(b))
    assert first.returncode == 0, first.stderr
    assert summary["added"] == 2 and summary["total_chunks"] == 2

    again, summary = ingest_json(home, str(a), str(b))
    assert again.returncode == 0, again.stderr
    assert (summary["skipped"], summary["chunks"], summary["total_chunks"]) == (2, 0, 2)
    # Outside the current directory the first file keeps its bare name; the second,
    # whose name is taken, grows by its folder.
    assert listed_sources(home) == {"notes.md", "b/notes.md"}

    # The same files reached through their folders, in the other order: same ids, nothing embedded.
    folders, summary = ingest_json(home, str(b.parent), str(a.parent))
    assert (summary["skipped"], summary["chunks"], summary["total_chunks"]) == (2, 0, 2)
    assert listed_sources(home) == {"notes.md", "b/notes.md"}

    removed = run_cli("ingest", "--remove", "b/notes.md", env={"ADVISOR_HOME": str(home)})
    assert removed.returncode == 0, removed.stderr
    texts = " ".join(store_ids(home).values())
    assert "Data engineers" in texts and "Prompt engineers" not in texts


def test_files_inside_the_current_directory_are_named_by_their_relative_path(tmp_path):
    home = tmp_path / "home"
    _notes(tmp_path)
    env = {**os.environ, "ADVISOR_HOME": str(home), "PYTHONPATH": str(ROOT)}
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "ingest", "a/notes.md", "b/notes.md"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    assert listed_sources(home) == {"a/notes.md", "b/notes.md"}
    assert len(store_ids(home)) == 2


def test_a_file_named_by_the_caller_never_replaces_other_content_of_that_name(tmp_path, advisor_home):
    """The page's upload: every upload lands in a new temporary folder, named by its original name; a
    second file of that name with other content is kept beside the first (issue 24), the same content
    is known."""
    from advisor.store import shared_collection
    from ingest.pipeline import ingest_paths

    first, second = tmp_path / "upload-1" / "notes.md", tmp_path / "upload-2" / "notes.md"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text("# Notes\n\nData engineers build the pipelines that feed analytics and machine learning.\n")
    second.write_text("# Notes\n\nPrompt engineers write evaluation suites that measure what a chatbot answers.\n")
    assert ingest_paths([first], names={first: "notes.md"}).added == ["notes.md"]
    report = ingest_paths([second], names={second: "notes.md"})
    assert report.added == ["notes-2.md"] and report.renamed == [("notes.md", "notes-2.md")]
    assert report.total_chunks == 2
    documents = shared_collection().get(include=["documents"])["documents"]
    assert sorted(d.split()[0] for d in documents) == ["Data", "Prompt"]
    assert ingest_paths([first], names={first: "notes.md"}).added == []


def test_a_file_named_twice_is_ingested_once(tmp_path, corpus_copy):
    home = tmp_path / "home"
    one = corpus_copy / "skills-compared.md"
    result, summary = ingest_json(home, str(one), str(one))
    assert result.returncode == 0, result.stderr
    assert summary["added"] == 1 and summary["failed"] == 0

    result, summary = ingest_json(home, str(corpus_copy), str(one))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (summary["added"], summary["skipped"]) == (6, 1)
    assert listed_sources(home) == {p.name for p in corpus_copy.glob("*.md")}


# ------------------------------------------------------------------ limits and store batches

def test_files_over_the_limits_fail_by_name_with_the_limit_and_the_rest_is_ingested(tmp_path):
    home = tmp_path / "home"
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text("Data engineers build the pipelines that feed analytics and machine learning.\n")
    (folder / "big.txt").write_text("Analytics engineers model warehouse tables for the finance team. " * 60)
    (folder / "many.md").write_text("\n".join(f"## Part {i}\nPart {i} of a long guide to interviews." for i in range(5)))

    result, summary = ingest_json(home, str(folder), ADVISOR_MAX_FILE_BYTES="2048", ADVISOR_MAX_PASSAGES_PER_FILE="3")
    assert result.returncode == 1
    assert summary["added"] == 1
    errors = {f["source"]: f["error"] for f in summary["failures"]}
    assert errors["big.txt"].startswith("file is too large") and "the limit is 2.0 KiB" in errors["big.txt"]
    assert errors["many.md"].startswith("too many passages (5;") and "the limit is 3 per file" in errors["many.md"]
    assert "big.txt: file is too large" in result.stderr and "many.md: too many passages" in result.stderr
    texts = " ".join(store_ids(home).values())
    assert "Data engineers" in texts and "warehouse" not in texts and "interviews" not in texts


def test_a_file_larger_than_one_store_batch_can_be_edited_and_removed(tmp_path):
    """The embedded store takes at most 5,461 records per write; this file has 5,600 passages."""
    home = tmp_path / "home"
    long = tmp_path / "long.md"
    long.write_text("# Glossary\n" + "\n".join(f"## Term {i}\nTerm {i} of the glossary." for i in range(5600)))

    result, summary = ingest_json(home, str(long))  # over the default limit of 5,000 passages
    assert result.returncode == 1 and "the limit is 5,000 per file" in summary["failures"][0]["error"]

    limit = {"ADVISOR_MAX_PASSAGES_PER_FILE": "6000"}
    result, summary = ingest_json(home, str(long), **limit)
    assert result.returncode == 0, result.stderr
    assert summary["added"] == 1 and summary["total_chunks"] == 5600

    long.write_text(long.read_text().replace("Term 17 of the glossary.", "Term 17, edited."))
    result, summary = ingest_json(home, str(long), **limit)
    assert result.returncode == 0, result.stderr
    assert (summary["updated"], summary["chunks"], summary["total_chunks"]) == (1, 1, 5600)
    metadatas = store_metadatas(home).values()
    assert all(m["ready"] for m in metadatas) and len({m["file_hash"] for m in metadatas}) == 1

    removed = run_cli("ingest", "--remove", "long.md", env={"ADVISOR_HOME": str(home)})
    assert removed.returncode == 0, removed.stderr
    assert "5600 chunks" in removed.stdout and store_ids(home) == {}


# ------------------------------------------------------------------ failures and the ready flag

# The real CLI with two faults injected: one file's chunking raises, another file's
# write is refused by the store. Both must be named; the other files must land.
_FAULTY_CLI = """
import sys

from chromadb.api.models.Collection import Collection

import ingest.pipeline
from ingest.__main__ import main

real_chunk, real_upsert = ingest.pipeline.chunk_document, Collection.upsert

def chunk_document(doc, settings):
    if doc.title == "Boom":
        raise RuntimeError("the chunker exploded")
    return real_chunk(doc, settings)

def upsert(self, ids, metadatas=None, **columns):
    if any(m["source"] == "poison.md" for m in metadatas or []):
        raise ValueError("the store refused the write")
    return real_upsert(self, ids=ids, metadatas=metadatas, **columns)

ingest.pipeline.chunk_document = chunk_document
Collection.upsert = upsert
sys.exit(main(sys.argv[1:]))
"""


def test_every_failure_is_named_and_the_run_goes_on(tmp_path, corpus_copy):
    home = tmp_path / "home"
    (corpus_copy / "boom.md").write_text("# Boom\n\nThis article makes the chunker fail for the test.\n")
    (corpus_copy / "poison.md").write_text("# Poison\n\nThe store refuses to write this article for the test.\n")
    result = subprocess.run([sys.executable, "-c", _FAULTY_CLI, "--json", str(corpus_copy)], cwd=ROOT,
                            env={**os.environ, "ADVISOR_HOME": str(home)}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    errors = {f["source"]: f["error"] for f in summary["failures"]}
    assert errors == {"boom.md": "RuntimeError: the chunker exploded", "poison.md": "ValueError: the store refused the write"}
    assert summary["added"] == 7
    assert "failed: poison.md: ValueError: the store refused the write" in result.stderr
    assert listed_sources(home) == {p.name for p in corpus_copy.glob("*.md")} - {"boom.md", "poison.md"}


def test_a_broken_store_is_one_error_line_not_a_traceback(tmp_path, corpus_copy):
    home = tmp_path / "home"
    (home / "chroma").mkdir(parents=True)
    (home / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database " * 100)
    for args in ([str(corpus_copy)], ["--list"], ["--remove", "skills-compared.md"]):
        result = run_cli("ingest", *args, env={"ADVISOR_HOME": str(home)})
        assert result.returncode == 1, args
        assert result.stderr.strip().splitlines()[-1].startswith("error: "), result.stderr
        assert "Traceback" not in result.stderr


def test_a_file_stored_but_not_flipped_is_flipped_without_embedding(tmp_path, corpus_copy):
    home = tmp_path / "home"
    ingest_json(home, str(corpus_copy))
    with store_collection(home) as collection:
        ids = collection.get(where={"source": "skills-compared.md"}, include=[])["ids"]
        collection.update(ids=ids, metadatas=[{"ready": False}] * len(ids))
    listed = json.loads(run_cli("ingest", "--list", "--json", env={"ADVISOR_HOME": str(home)}).stdout)
    assert [row["source"] for row in listed if not row["ready"]] == ["skills-compared.md"]

    result, summary = ingest_json(home, str(corpus_copy))
    assert result.returncode == 0, result.stderr
    assert (summary["updated"], summary["skipped"], summary["chunks"]) == (1, 6, 0)
    assert all(m["ready"] for m in store_metadatas(home).values())


def test_a_store_from_before_the_ready_flag_is_migrated(tmp_path, corpus_copy):
    home = tmp_path / "home"
    ingest_json(home, str(corpus_copy))
    before = store_ids(home)
    with store_collection(home) as collection:  # make it look like a store built before the flag
        ids = list(before)
        collection.update(ids=ids, metadatas=[{"ready": None}] * len(ids))
        collection.modify(metadata={"revision": 1})
    assert not any("ready" in m for m in store_metadatas(home).values())

    result, summary = ingest_json(home, str(corpus_copy))
    assert result.returncode == 0, result.stderr
    assert (summary["skipped"], summary["chunks"]) == (len(list(corpus_copy.glob("*.md"))), 0)
    assert all(m["ready"] is True for m in store_metadatas(home).values())
    assert store_ids(home) == before


def test_a_folder_with_an_unsupported_file_names_it(tmp_path):
    """Issue 24, finding 4: ``python -m ingest folder/`` skipped a .docx without a word."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "notes.md").write_text("# Stewards\n\nData stewards keep the catalogue of datasets accurate.\n")
    (folder / "cv.docx").write_bytes(b"PK\x03\x04 not really a document")
    result, summary = ingest_json(tmp_path / "home", str(folder))
    assert result.returncode == 0, result.stderr
    assert summary["added"] == 1 and summary["ignored"] == [str((folder / "cv.docx").resolve())]
    assert "cv.docx" in result.stderr and "not a supported file type" in result.stderr
