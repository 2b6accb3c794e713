"""What kinds of evidence file we accept, recognised by their content rather than their name."""

from __future__ import annotations

import codecs
import hashlib
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile

from justculture.core.errors import ServiceError


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("pdf", "PDF", "application/pdf", (".pdf",)),
        Kind("png", "PNG image", "image/png", (".png",)),
        Kind("jpeg", "JPEG image", "image/jpeg", (".jpg", ".jpeg")),
        Kind("gif", "GIF image", "image/gif", (".gif",)),
        Kind("docx", "Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
        Kind("xlsx", "Excel spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
        Kind("pptx", "PowerPoint presentation", "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",)),
        Kind("odf", "OpenDocument file", "application/vnd.oasis.opendocument", (".odt", ".ods", ".odp")),
        Kind("ole", "Office 97-2003 document", "application/octet-stream", (".doc", ".xls", ".ppt", ".msg")),
        Kind("rtf", "Rich text document", "application/rtf", (".rtf",)),
        Kind("text", "Text file", "text/plain; charset=utf-8", (".txt", ".csv", ".md", ".log")),
    )
}

ACCEPTED_DESCRIPTION = "PDF, image (PNG, JPEG, GIF), Word, Excel, PowerPoint, OpenDocument, rich text or plain text"


class EvidenceFileError(ServiceError):
    """The upload was refused; the message says why in plain words."""


def _sniff(head: bytes, whole: IO[bytes]) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(whole) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").startswith(
                    b"application/vnd.oasis.opendocument"
                ):
                    return "odf"
                if "[Content_Types].xml" in names:
                    if any(n.startswith("word/") for n in names):
                        return "docx"
                    if any(n.startswith("xl/") for n in names):
                        return "xlsx"
                    if any(n.startswith("ppt/") for n in names):
                        return "pptx"
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
        return None
    return None


def _is_text(stream: IO[bytes]) -> bool:
    """UTF-8 throughout and free of NUL bytes."""
    stream.seek(0)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(lambda: stream.read(65536), b""):
            if b"\x00" in chunk:
                return False
            utf8.decode(chunk)
        utf8.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _readable(limit: int) -> str:
    if limit >= 1048576 and limit % 1048576 == 0:
        return f"{limit // 1048576} MB"
    if limit >= 1024:
        return f"{limit / 1024:.0f} KB" if limit < 1048576 else f"{limit / 1048576:.1f} MB"
    return f"{limit} bytes"


def inspect_upload(upload: UploadedFile[Any], max_bytes: int) -> tuple[Kind, str]:
    """Check an uploaded file and return its kind and SHA-256, or raise EvidenceFileError."""
    name = upload.name or ""
    size = upload.size or 0
    if size == 0:
        raise EvidenceFileError(f"The file {name} is empty. Choose a file that has content.", field="upload")
    if size > max_bytes:
        raise EvidenceFileError(f"The file {name} is larger than {_readable(max_bytes)}. Choose a smaller file.",
                                field="upload")
    stream: IO[bytes] | None = upload.file
    if stream is None:
        raise EvidenceFileError("No file was received. Choose the file again.", field="upload")
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    code = _sniff(head, stream)
    if code is None and _is_text(stream):
        code = "text"
    stream.seek(0)
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if code is None:
        raise EvidenceFileError(
            f"The file {name} is not a type we accept. Upload a {ACCEPTED_DESCRIPTION}.", field="upload"
        )
    kind = KINDS[code]
    if extension not in kind.extensions:
        raise EvidenceFileError(
            f"The file {name} contains a {kind.label}, but its name ends with "
            f"'{extension or 'no extension'}'. Rename it to end with {' or '.join(kind.extensions)}.",
            field="upload",
        )
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(65536), b""):
        digest.update(chunk)
    stream.seek(0)
    return kind, digest.hexdigest()
