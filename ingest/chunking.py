"""Structure-aware chunking: split on headings first, then to the embedding model's size."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from advisor.config import Settings
from advisor.text import ends_inside_table, rows_without_header, table_head
from ingest.loaders import LoadedDocument

# Bump when chunking changes in a way that should re-embed every file.
CHUNKER_VERSION = 3  # 2: section_index; 3: a table cut between chunks keeps its header row in each
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]


@dataclass(frozen=True)
class Chunk:
    text: str
    section: str
    chunk_index: int
    # What gets embedded: the chunk with its title and section, so a passage that
    # only says "they" still lands near questions about its subject.
    embed_text: str
    # Which of the document's sections (0, 1, …): two sections may share a heading ("Pay" under two roles).
    section_index: int = 0

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def chunker_signature(settings: Settings) -> str:
    return f"v{CHUNKER_VERSION}:{settings.chunk_tokens}:{settings.chunk_overlap_tokens}"


@lru_cache(maxsize=4)
def _token_splitter(chunk_tokens: int, overlap_tokens: int) -> RecursiveCharacterTextSplitter:
    from advisor.embeddings import get_embeddings

    return RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        get_embeddings().tokenizer,
        chunk_size=chunk_tokens,
        chunk_overlap=overlap_tokens,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
    )


def chunk_document(doc: LoadedDocument, settings: Settings) -> list[Chunk]:
    splitter = _token_splitter(settings.chunk_tokens, settings.chunk_overlap_tokens)
    if doc.kind == "markdown":
        sections = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True).split_text(doc.text)
        pieces = [(_section_name(s.metadata, doc.title), s.page_content) for s in sections]
    else:
        pieces = [("", doc.text)]
    chunks: list[Chunk] = []
    for section_index, (section, text) in enumerate(pieces):
        head = None  # the header row and rule of the table the previous chunk ended in
        for part in splitter.split_text(text):
            part = part.strip()
            if not part:
                continue
            rows = rows_without_header(part.split("\n")) if head else None
            if rows:
                part = "\n".join([*head, *rows])  # a table's rows keep their column names in every chunk
            lines = part.split("\n")
            # the header of the table the chunk ends in, for the next chunk; none once a table has ended
            head = (table_head(lines) or head) if ends_inside_table(lines) else None
            header = doc.title if not section or section == doc.title else f"{doc.title} — {section}"
            chunks.append(Chunk(part, section, len(chunks), f"{header}\n{part}", section_index))
    return chunks


def _section_name(metadata: dict, title: str) -> str:
    # The deepest heading names the section; h1 usually repeats the title.
    for key in ("h3", "h2", "h1"):
        if metadata.get(key):
            return metadata[key].strip()
    return ""
