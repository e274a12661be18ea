"""Turn files on disk into clean text plus metadata, or a clear reason why not.

Every loader returns a :class:`LoadedDocument`; anything wrong with a file raises
:class:`LoadError` with a message meant for the person who ran the ingest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")


class LoadError(Exception):
    """A file could not be turned into text; the message says why."""


@dataclass
class LoadedDocument:
    text: str
    title: str
    # "markdown" text keeps '#' headings for the structure-aware splitter.
    kind: str = "markdown"
    metadata: dict[str, str] = field(default_factory=dict)


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The raw bytes of a supported file, or a :class:`LoadError` saying why not.

    ``max_bytes`` is the caller's limit (ingest passes ``Settings.max_file_bytes``);
    the size is checked before reading, so a huge file costs nothing.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type '{suffix or path.name}' (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise LoadError(
                f"file is too large ({_size(size)}; the limit is {_size(max_bytes)}, set by ADVISOR_MAX_FILE_BYTES)"
            )
        return path.read_bytes()
    except PermissionError:
        raise LoadError("permission denied: the file cannot be read") from None
    except OSError as exc:
        raise LoadError(f"cannot read the file: {exc.strerror or exc}") from None


def _size(n: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def load_file(path: Path, data: bytes | None = None) -> LoadedDocument:
    """Text and metadata of one file; ``data`` saves a second read when the caller has the bytes (and checked its size)."""
    if data is None:
        data = read_bytes(path)
    suffix = path.suffix.lower()
    if not data.strip():
        raise LoadError("the file is empty")
    if suffix == ".pdf":
        doc = _load_pdf(data)
    else:
        text = _decode_text(data)
        if suffix in (".html", ".htm"):
            doc = _load_html(text)
        elif suffix in (".md", ".markdown"):
            doc = _load_markdown(text)
        else:
            doc = LoadedDocument(text=text, title=_short_first_line(text), kind="plain")
    doc.text = _tidy(doc.text)
    doc.text = unwrap_markdown(doc.text) if doc.kind == "markdown" else unwrap_plain(doc.text)
    if not doc.text.strip():
        raise LoadError("no text left after extraction")
    doc.title = doc.title or _first_heading(doc.text) or _title_from_name(path)
    return doc


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError("looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"not valid UTF-8 text (bad byte at offset {exc.start}); re-save the file as UTF-8"
        ) from None


def _load_markdown(text: str) -> LoadedDocument:
    import frontmatter

    try:
        post = frontmatter.loads(text)
    except Exception as exc:  # malformed YAML front matter
        raise LoadError(f"invalid front matter: {exc}") from None
    meta = {k: str(v) for k, v in post.metadata.items() if isinstance(v, (str, int, float)) and str(v).strip()}
    title = meta.pop("title", "")
    # Front-matter "source" names the original publication; the store's "source"
    # is the file, so it is kept under another name.
    if "source" in meta:
        meta["publication"] = meta.pop("source")
    return LoadedDocument(text=post.content, title=title, metadata=meta)


def _load_html(text: str) -> LoadedDocument:
    import trafilatura

    extracted = trafilatura.extract(
        text,
        output_format="markdown",
        include_comments=False,
        include_tables=True,
        include_links=False,
        include_images=False,
        favor_precision=True,
        with_metadata=False,
    )
    if not extracted or not extracted.strip():
        # Short pages fall below trafilatura's thresholds; take the plain text then.
        extracted = trafilatura.html2txt(text)
    if extracted and extracted.strip() and not _has_prose(extracted):
        raise LoadError("no article text found (the page looks like navigation only)")
    meta = trafilatura.extract_metadata(text)
    title = (meta.title if meta and meta.title else "") or ""
    url = meta.url if meta and meta.url else ""
    return LoadedDocument(text=extracted or "", title=title, metadata={"url": url} if url else {})


# Menus, footers and cookie banners are runs of short, capitalised items ("Home | About |
# Log in"); an article has at least one sentence of this many different words, some of
# them in lower case.
MIN_SENTENCE_WORDS = 8
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n|\s[|·•»›/]\s")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _has_prose(text: str) -> bool:
    """True when the text has one real sentence, so it is more than navigation debris."""
    for sentence in _SENTENCE_BREAK.split(text):
        words = _WORD.findall(sentence)
        if len({w.lower() for w in words}) >= MIN_SENTENCE_WORDS and sum(w[0].islower() for w in words) * 4 >= len(words):
            return True
    return False


def _load_pdf(data: bytes) -> LoadedDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise LoadError(f"not a readable PDF: {exc}") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise LoadError(f"the PDF has no text layer ({len(pages)} page(s), scanned images?); run OCR first")
    title = ""
    try:
        title = (reader.metadata.title or "") if reader.metadata else ""
    except Exception:
        title = ""
    return LoadedDocument(text=text, title=title, kind="plain")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _tidy(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Lines that open a block of their own: a list item, a heading, a table row, a quote, a code fence.
_BLOCK_START = re.compile(r"^\s*(?:[-*+•–]\s|\d{1,3}[.)]\s|#|\||>|```|~~~)")
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")


def unwrap_markdown(text: str) -> str:
    """Paragraphs written over several lines become one line each, as Markdown renders them (a single
    line break inside a paragraph is a space); list items, headings, tables, quotes and code stay."""
    out: list[str] = []
    fenced = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
        joinable = (out and stripped and not fenced and out[-1].strip() and not _BLOCK_START.match(line)
                    and not out[-1].lstrip().startswith(("#", "|", "```", "~~~")) and not out[-1].endswith("  "))
        if joinable:
            out[-1] = _join_wrapped(out[-1], stripped)
        else:
            out.append(line)
    return "\n".join(out)


def unwrap_plain(text: str) -> str:
    """Lines a PDF or a plain-text file wrapped at a fixed width become the paragraphs they were.

    A line runs on into the next when it is long for this document (at least 60 % of its usual full
    line, the 90th percentile of line lengths) and does not end a sentence, or when the next line
    opens in lower case; a short line without closing punctuation is a heading or a term and stays.
    The next line never joins when it opens a list item.
    """
    lines = text.split("\n")
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    if not lengths:
        return text
    full = lengths[int(0.9 * (len(lengths) - 1))]
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        previous = out[-1].strip() if out else ""
        if previous and stripped and not _BLOCK_START.match(line):
            runs_on = len(previous) >= 0.6 * full and not _ENDS_SENTENCE.search(previous)
            continues = stripped[:1].islower() and not _ENDS_SENTENCE.search(previous)
            if runs_on or continues:
                out[-1] = _join_wrapped(out[-1], stripped)
                continue
        out.append(line)
    return "\n".join(out)


def _join_wrapped(line: str, rest: str) -> str:
    """Two pieces of one wrapped paragraph; a word hyphenated at the break ("electri-" "cian") is joined."""
    if re.search(r"[^\W\d_]-$", line) and rest[:1].islower():
        return line[:-1] + rest
    return f"{line.rstrip()} {rest}"


def _short_first_line(text: str) -> str:
    """Plain-text articles often open with their title on a line of its own."""
    first = text.strip().split("\n", 1)[0].strip().lstrip("#").strip()
    return first if 0 < len(first) <= 120 and not first.endswith((".", ",", ";")) else ""


def _first_heading(text: str) -> str:
    match = re.search(r"^#{1,3}\s+(.+)$", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else ""


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name
