"""The ``python -m ingest`` contract, exercised through the real CLI and a real store."""

import json
import os
import shutil
from pathlib import Path

from conftest import DATA, run_cli


def ingest_json(home: Path, *args: str):
    result = run_cli("ingest", "--json", *args, env={"ADVISOR_HOME": str(home)})
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return result, (json.loads(lines[-1]) if lines else None)


def store_ids(home: Path) -> dict[str, str]:
    import chromadb

    client = chromadb.PersistentClient(path=str(home / "chroma"), settings=chromadb.config.Settings(anonymized_telemetry=False))
    got = client.get_collection("career").get(include=["documents"])
    return dict(zip(got["ids"], got["documents"]))


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
    assert {"empty.md", "latin1.txt", "image.txt"} <= failed
    if not root_reads_anything:
        assert "secret.md: permission denied" in result.stderr
    for name in ("empty.md", "latin1.txt", "image.txt"):
        assert name in result.stderr
    texts = " ".join(store_ids(home).values())
    assert "Data engineers build the pipelines" in texts
    assert "MLOps engineers keep machine learning systems healthy" in texts
    unreadable.chmod(0o644)


def test_human_summary_and_progress_bar(tmp_path, corpus_copy):
    result = run_cli("ingest", str(corpus_copy), env={"ADVISOR_HOME": str(tmp_path / "home")})
    assert result.returncode == 0
    assert "embedding" in result.stderr  # the progress bar
    assert result.stdout.startswith("added 7, updated 0, skipped 0, deleted 0, failed 0;")
    assert "chunks/s" in result.stdout
