"""load: a file on disk → its text, whatever the format and encoding.

The loaded text is the "raw text" that citations map back to: for .txt it is
the decoded file; for .html, .docx and .pdf it is the text extracted from them.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .text import HAN, is_han

MAX_BYTES = 20 * 1024 * 1024  # a long work report is ~100 KB; 20 MB is no single speech
TEXT_SUFFIXES = {".txt", ".text", ""}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
SPEECH_SUFFIXES = frozenset(TEXT_SUFFIXES - {""} | HTML_SUFFIXES | {".docx", ".pdf"})   # one speech per file
COLLECTION_SUFFIXES = frozenset({".jsonl", ".csv"})                                    # many speeches per file
SUPPORTED = sorted(SPEECH_SUFFIXES)
# Markdown beside speeches is documentation (README.md, the NAME.md that `summarize DIR`
# writes): a folder walk skips it, and naming one is an error rather than a guess.
DOCUMENTATION_SUFFIXES = frozenset({".md", ".markdown"})
_NOT_SPEECH = {".doc", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".gz", ".png", ".jpg", ".jpeg", ".gif"} | DOCUMENTATION_SUFFIXES


def unsupported(suffix: str) -> str:
    """The one-line problem for a file of a format no speech comes in."""
    formats = " ".join(SUPPORTED + sorted(COLLECTION_SUFFIXES))
    return f"unsupported format '{suffix}' (supported: {formats}; a speech saved as Markdown can be renamed to .txt)" \
        if suffix in DOCUMENTATION_SUFFIXES else f"unsupported format '{suffix}' (supported: {formats})"


@dataclass(frozen=True)
class RawDocument:
    path: str
    text: str
    format: str          # txt / html / docx / pdf
    encoding: str | None
    title: str | None = None  # a title the container states (HTML <title>), if any


def load(path: str | Path, max_bytes: int = MAX_BYTES) -> RawDocument:
    """Read one speech file.

    Args:
        path: a .txt (any encoding), .html, .docx or .pdf file.
        max_bytes: files larger than this are refused rather than read.

    Returns:
        The extracted text with its format and detected encoding.

    Raises:
        InputError: the path is missing, a directory, empty, too large, binary,
            unreadable in its format, or holds no Chinese text.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a directory, not a speech file (use `govspeech index build DIR` for folders)")
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, "file is empty")
    if size > max_bytes:
        raise InputError(path, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit for one speech")
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if suffix == ".docx":
        doc = RawDocument(str(path), _docx_text(path, data), "docx", None)
    elif suffix == ".pdf":
        doc = RawDocument(str(path), _pdf_text(path, data), "pdf", None)
    elif suffix in _NOT_SPEECH:
        raise InputError(path, unsupported(suffix))
    else:
        text, encoding = decode(path, data)
        if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and _looks_like_html(text)):
            body, title = _html_text(text)
            doc = RawDocument(str(path), body, "html", encoding, title)
        else:
            doc = RawDocument(str(path), text, "txt", encoding)
    if not doc.text.strip():
        raise InputError(path, f"no text found in this {doc.format} file")
    if len(HAN.findall(doc.text[:200_000])) < 2:
        raise InputError(path, "no Chinese text found (this tool reads Chinese speeches)")
    return doc


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Bytes → text, with the encoding found by charset-normalizer.

    A byte-order mark decides the encoding (UTF-8 after a UTF-8 BOM, bad bytes
    replaced by U+FFFD; UTF-16 after a UTF-16 BOM). Otherwise UTF-8 is tried
    first with no error allowed: it is the common case and a detector's guess can
    only be worse on valid UTF-8; charset-normalizer guesses only when it fails.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        return text, "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not _plausible(str(best)):
        raise InputError(path, "not a text file (binary content, no text encoding fits)")
    encoding = best.encoding
    # GBK and GB2312 are subsets of GB18030: decode with the superset so rare characters survive.
    if encoding in {"gb2312", "gbk", "cp936"}:
        encoding = "gb18030"
    return data.decode(encoding, errors="replace"), encoding


def _plausible(text: str) -> bool:
    """Decoded text a person wrote: no control characters, and almost all of it
    Chinese, ASCII, CJK punctuation or full-width forms. Random bytes that a
    detector calls UTF-16 decode to code points strewn over the whole plane."""
    if not text or any(c < " " and c not in "\t\n\r\f" for c in text[:100_000]):
        return False
    sample = text[:100_000]
    usual = sum(1 for c in sample if c < "\x7f" or is_han(c) or "\u3000" <= c <= "\u303f"
                or "\uff00" <= c <= "\uffef" or "\u2000" <= c <= "\u206f" or c in "·—")
    return usual >= 0.9 * len(sample)


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or ("<body" in head and "</" in head)


def _html_text(html: str) -> tuple[str, str | None]:
    """Main text of a web page, paragraphs one per line, navigation and widgets left out."""
    import trafilatura
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    h1 = soup.find("h1")
    title = h1.get_text(strip=True) if h1 else None
    if not title and soup.title:
        # <title> carries the site after the headline: 在…的讲话_领导讲话_某某市人民政府
        title = re.split(r"\s*[_|｜]\s*|\s+[-—–]\s+", soup.title.get_text(strip=True))[0] or None
    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    if not text or len(HAN.findall(text)) < 20:
        # trafilatura gives up on very short pages; fall back to the body's text.
        for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe"]):
            tag.decompose()
        body = soup.body or soup
        text = body.get_text("\n")
    return text, title


def _docx_text(path: Path, data: bytes) -> str:
    import io

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(path, f"cannot read .docx ({exc.__class__.__name__}: {exc})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _pdf_text(path: Path, data: bytes) -> str:
    import io
    import logging

    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many unrelated types for a broken file
        raise InputError(path, f"cannot read .pdf ({exc.__class__.__name__}: {exc})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise InputError(path, "PDF has no text layer (a scan? run OCR first)")
    return text



@dataclass(frozen=True)
class CollectionEntry:
    key: str             # "<path>#<n>": where the speech came from
    number: int          # 1-based position in the collection
    text: str
    title: str | None
    date: str | None
    year: int | None


def load_collection(path: str | Path, max_bytes: int = 512 * 1024 * 1024) -> list[CollectionEntry]:
    """Many speeches in one file: JSON lines with `content` (or `text`) and `title`,
    or a CSV with a `Text` (or `text`/`content`) column and optional `Date`/`title`.

    Raises:
        InputError: unreadable file, or no row holds text.
    """
    import csv
    import io
    import json

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file" if not path.exists() else "not a file")
    if path.stat().st_size > max_bytes:
        raise InputError(path, f"collection is over the {max_bytes / 1e6:.0f} MB limit")
    text, _ = decode(path, path.read_bytes())
    if path.suffix.lower() == ".jsonl":
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(path, f"line {n} is not JSON ({exc.msg})") from None
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
    entries = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise InputError(path, f"record {n} is not an object")
        fields = {k.lower(): v for k, v in row.items() if isinstance(k, str)}
        body = fields.get("content") or fields.get("text") or ""
        if not isinstance(body, str) or not body.strip():
            continue
        date = str(fields.get("date") or "") or None
        year = fields.get("year")
        year = int(year) if isinstance(year, (int, str)) and str(year).isdigit() else (int(date[:4]) if date and date[:4].isdigit() else None)
        entries.append(CollectionEntry(f"{path}#{n}", n, body, fields.get("title") or None, date, year))
    if not entries:
        raise InputError(path, "no record with a `content` or `text` field")
    return entries
