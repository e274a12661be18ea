"""One typed settings object for the whole project.

Nothing else in the project reads the environment: every module asks
:func:`get_settings` so that tests, the CLIs and the UI see the same values.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Settings read from ``ADVISOR_*`` variables (and ``OPENAI_*``) or a ``.env`` file."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", env_file=".env", extra="ignore")

    home: Path = Path(".advisor")
    chroma_url: str | None = None
    collection: str = "career"
    engine: str = "auto"  # a name of advisor.engines.ENGINE_CHOICES (checked there, when the engine is made)
    local_model: Path | None = None
    # A LangChain provider string for init_chat_model ("openai:gpt-4o-mini", "anthropic:..."); unset = offline.
    llm: str | None = None

    openai_api_key: str | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL"))
    openai_model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("OPENAI_MODEL"))
    # A hung or unreachable model server costs a visitor at most this long per call.
    llm_timeout_s: float = 20.0
    # After a model server times out or cannot be reached, answers come from the sources at once for
    # this long, then a quick health check (2 s) decides whether to try the server again.
    llm_breaker_s: float = 60.0
    # The ragas judge (python -m evals --judge openai): time per scoring job and answer length.
    judge_timeout_s: float = 180.0
    judge_max_tokens: int = 1024

    # Chunking: all-MiniLM-L6-v2 reads at most 256 word pieces; leave room for the
    # title/section header that is embedded with each chunk.
    chunk_tokens: int = 200
    chunk_overlap_tokens: int = 30
    embed_batch_size: int = 64

    # Retrieval.
    top_k: int = 5
    candidates: int = 20
    mmr_lambda: float = 0.75
    max_chunks_per_source: int = 3
    # HNSW search breadth; see BENCHMARKS.md for how it was chosen.
    hnsw_ef_search: int = 200
    hnsw_ef_construction: int = 200
    hnsw_max_neighbors: int = 64

    # Grounding: a sentence needs this support score from some retrieved chunk.
    support_threshold: float = 0.55
    # The extractive answer's length, in sentences; an LLM draft shorter than this is completed with the
    # passages' best sentences (6 rather than 5 raised the local engine's fact recall on both eval corpora).
    min_answer_sentences: int = 6
    # Before a chat model's draft, this many of the passages' best sentences are shown (first words
    # in well under a second instead of after the model's prompt evaluation); 0 = the draft first.
    # A sentence that opens with a pronoun counts as one with the sentence naming its referent.
    lead_sentences: int = 1

    # Local engine.
    local_context_tokens: int = 2048
    local_max_tokens: int = 160
    # Sentences of each retrieved passage in the local model's prompt: its prompt evaluation
    # is most of the time to a draft on a laptop CPU (see BENCHMARKS.md).
    local_sentences_per_passage: int = 1
    local_threads: int | None = None

    max_question_chars: int = 2000

    # Ingest limits: a file over either limit is reported as failed, nothing stored for it.
    max_file_bytes: int = 10 * 1024 * 1024
    max_passages_per_file: int = 5000
    # How long `python -m ingest` waits for another ingest of the same ADVISOR_HOME.
    ingest_lock_wait_s: float = 60.0
    # The page's upload: at most this many files at once.
    max_upload_files: int = 50
    # Uploads answer only the visitor's session and are deleted when it ends or after this
    # long; true puts them in the shared store for everyone (a single-user or admin deployment).
    publish_uploads: bool = False
    upload_ttl_minutes: float = 120.0

    @property
    def store_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def feedback_db(self) -> Path:
        return self.home / "feedback.sqlite3"

    @property
    def vector_cache(self) -> Path:
        """Sentence vectors prepared for the store's passages (advisor/vector_cache.py)."""
        return self.home / "vectors.sqlite3"

    @property
    def corpus_dir(self) -> Path:
        return PROJECT_ROOT / "corpus"



@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def configure_offline() -> None:
    """Keep every library away from the network: models come from packages, not hubs."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
