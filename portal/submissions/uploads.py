"""Files residents attach: what they really are (by their first bytes, not their name), and where they are kept.

Bytes live in DATA_DIR/uploads/<random id> (mode 0600); the name the resident gave is only ever data.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from io import BytesIO
from pathlib import Path

KIND_NAMES = {
    "pdf": "PDF",
    "jpg": "JPG",
    "png": "PNG",
    "gif": "GIF",
    "heic": "HEIC",
    "txt": "TXT",
    "doc": "DOC",
    "docx": "DOCX",
    "odt": "ODT",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "heic": "image/heic",
    "txt": "text/plain; charset=utf-8",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def accepted_kinds(accept: tuple[str, ...]) -> tuple[str, ...]:
    """The catalog's `accept` list with aliases folded (jpeg -> jpg); PDF, JPG and PNG when none is given."""
    kinds = [("jpg" if a == "jpeg" else a) for a in (accept or ("pdf", "jpg", "png"))]
    return tuple(dict.fromkeys(kinds))


def sniff(data: bytes, filename: str = "") -> str | None:
    """The kind of file these bytes are, judged by their content; None when it is none we know."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "heic"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    if data and b"\x00" not in data and filename.lower().endswith(".txt"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "txt"
    return None


def _office_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype") == b"application/vnd.oasis.opendocument.text":
                return "odt"
            if "word/document.xml" in names:
                return "docx"
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return None
    return None


def clean_filename(name: str) -> str:
    """A name safe to show and to put in an email header: no path, no control characters, at most 120 chars."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = base.strip().strip(".") or "file"
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 110] + dot + ext[:8]) if dot else base[:120]
    return base


def upload_dir(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / "uploads"


def new_upload_id() -> str:
    return secrets.token_hex(16)


def write_upload(data_dir: str | os.PathLike[str], upload_id: str, data: bytes) -> str:
    """Write the bytes durably under a random name; returns their sha256."""
    folder = upload_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / upload_id
    partial = folder / (upload_id + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, target)
    return hashlib.sha256(data).hexdigest()


def read_upload(data_dir: str | os.PathLike[str], upload_id: str) -> bytes:
    if not re.fullmatch(r"[0-9a-f]{32}", upload_id):
        raise ValueError(f"not an upload id: {upload_id!r}")
    return (upload_dir(data_dir) / upload_id).read_bytes()


def delete_upload(data_dir: str | os.PathLike[str], upload_id: str) -> None:
    if re.fullmatch(r"[0-9a-f]{32}", upload_id):
        (upload_dir(data_dir) / upload_id).unlink(missing_ok=True)
