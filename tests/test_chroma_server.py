"""Server mode: ingest into a real ``chroma run`` on 127.0.0.1 and read the chunks back."""

from conftest import free_port, run_cli


def test_ingest_into_a_chroma_server_and_read_back(tmp_path, corpus_copy, chroma_server):
    env = {"ADVISOR_HOME": str(tmp_path / "home"), "ADVISOR_CHROMA_URL": chroma_server}
    result = run_cli("ingest", "--json", str(corpus_copy), env=env)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "home" / "chroma").exists()  # nothing went to the embedded store

    import chromadb

    port = int(chroma_server.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port,
                                 settings=chromadb.config.Settings(anonymized_telemetry=False))
    got = client.get_collection("career").get(include=["documents", "metadatas"])
    assert len(got["ids"]) > 20
    assert any("£105k" in doc for doc in got["documents"])
    assert {m["source"] for m in got["metadatas"]} == {p.name for p in corpus_copy.glob("*.md")}

    again = run_cli("ingest", "--json", str(corpus_copy), env=env)
    assert '"added": 0' in again.stdout and '"chunks": 0' in again.stdout


def test_unreachable_server_gives_a_clear_error(tmp_path, corpus_copy):
    env = {"ADVISOR_HOME": str(tmp_path / "home"), "ADVISOR_CHROMA_URL": f"http://127.0.0.1:{free_port()}"}
    result = run_cli("ingest", str(corpus_copy), env=env)
    assert result.returncode == 1
    assert "Cannot reach the Chroma server" in result.stderr
    assert "Traceback" not in result.stderr
