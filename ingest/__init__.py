"""Load, chunk, embed and store source articles: ``python -m ingest [PATH ...]``."""

from ingest.lock import IngestBusy
from ingest.pipeline import IngestReport, UsageError, ensure_store, ingest_paths, list_sources, remove_source

__all__ = ["IngestBusy", "IngestReport", "UsageError", "ensure_store", "ingest_paths", "list_sources", "remove_source"]
