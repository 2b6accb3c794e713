"""What kinds of evidence file we accept, recognised by their content rather than their name."""

from __future__ import annotations

import codecs
import hashlib
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from justculture.core.errors import ServiceError
from justculture.core.validators import refuse_direction_controls


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


@dataclass(frozen=True)
class ArchiveLimits:
    """How much checking a zip-based upload (Word, Excel, PowerPoint, OpenDocument) may unpack.

    The values live in settings.JUSTCULTURE; none is ever taken on trust from the archive's own
    headers: every member is read in chunks and counted as it is unpacked."""

    members: int
    member_bytes: int
    total_bytes: int
    ratio: int

    @classmethod
    def from_settings(cls) -> ArchiveLimits:
        conf = settings.JUSTCULTURE
        return cls(members=conf["ARCHIVE_MAX_MEMBERS"], member_bytes=conf["ARCHIVE_MAX_MEMBER_BYTES"],
                   total_bytes=conf["ARCHIVE_MAX_TOTAL_BYTES"], ratio=conf["ARCHIVE_MAX_RATIO"])


#: A member may unpack to this much before its compression ratio is judged (tiny files of
#: repeated characters compress very well and are harmless).
RATIO_GRACE_BYTES = 1024 * 1024
#: Bytes of central directory allowed per member: enough for any real file name, and it stops
#: a directory of millions of entries being parsed before the members are counted.
_DIRECTORY_BYTES_PER_MEMBER = 1024
_CHUNK = 65536
# Office and OpenDocument files use only these; others (bzip2, LZMA) unpack without a bound.
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, EOFError, zlib.error,
               RuntimeError, NotImplementedError, struct.error)


def _bomb(name: str) -> EvidenceFileError:
    return EvidenceFileError(
        f"The file {name} unpacks to far more data than a document of its size should, so it "
        "may be harmful. Open it and save it again, or save it as a PDF, then upload that.",
        field="upload",
    )


def _too_many_parts(name: str, limits: ArchiveLimits) -> EvidenceFileError:
    return EvidenceFileError(
        f"The file {name} holds more than {limits.members:,} parts packed inside it, more than any "
        "document we accept. Open it and save it again, or save it as a PDF, then upload that.",
        field="upload",
    )


def _central_directory(stream: IO[bytes]) -> tuple[int, int] | None:
    """The member count and directory size the end of a zip archive declares (ZIP64 included),
    read before zipfile parses the directory, or None when there is no end record."""
    stream.seek(0, 2)
    size = stream.tell()
    tail_size = min(size, 22 + 65535)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    count, directory = struct.unpack("<10xHL", tail[at:at + 16])
    locator = tail[at - 20:at] if at >= 20 else b""
    if locator.startswith(b"PK\x06\x07"):
        (record_at,) = struct.unpack("<8xQ4x", locator)
        if record_at > size - 56:
            return None
        stream.seek(record_at)
        record = stream.read(56)
        if not record.startswith(b"PK\x06\x06"):
            return None
        count, directory = struct.unpack("<32xQQ8x", record)
    return count, directory


def _expands_too_far(unpacked: int, packed: int, limits: ArchiveLimits) -> bool:
    return unpacked > RATIO_GRACE_BYTES and unpacked > limits.ratio * max(packed, 1)


def _check_archive(archive: zipfile.ZipFile, name: str, limits: ArchiveLimits, size: int) -> None:
    """Unpack every member in chunks, counting, and refuse the archive past any limit.

    The member's own packed size is only a header; the whole file's size (``size``) is not, so
    the ratio is judged against both. Archives inside the archive (a spreadsheet embedded in a
    document, say) are never opened here, so they are counted as the bytes they are."""
    members = archive.infolist()
    if len(members) > limits.members:
        raise _too_many_parts(name, limits)
    if any(m.compress_type not in _METHODS for m in members):
        raise EvidenceFileError(
            f"The file {name} is packed in a way that Office and OpenDocument files are not. "
            "Open it and save it again, or save it as a PDF, then upload that.",
            field="upload",
        )
    # What the headers declare is checked first (it is cheap), then what unpacking really gives.
    if (any(m.file_size > limits.member_bytes or _expands_too_far(m.file_size, m.compress_size, limits)
            for m in members)
            or sum(m.file_size for m in members) > limits.total_bytes):
        raise _bomb(name)
    total = 0
    for member in members:
        if member.is_dir():
            continue
        unpacked = 0
        with archive.open(member) as handle:
            while chunk := handle.read(_CHUNK):
                unpacked += len(chunk)
                total += len(chunk)
                if (unpacked > limits.member_bytes or total > limits.total_bytes
                        or _expands_too_far(unpacked, member.compress_size, limits)
                        or _expands_too_far(total, size, limits)):
                    raise _bomb(name)


def _sniff_archive(whole: IO[bytes], name: str, limits: ArchiveLimits) -> str | None:
    try:
        declared = _central_directory(whole)
        if declared is None:
            return None
        count, directory = declared
        if count > limits.members or directory > limits.members * _DIRECTORY_BYTES_PER_MEMBER:
            raise _too_many_parts(name, limits)
        size = whole.seek(0, 2)
        whole.seek(0)
        with zipfile.ZipFile(whole) as archive:
            names = set(archive.namelist())
            code = None
            if "mimetype" in names:
                with archive.open("mimetype") as handle:
                    if handle.read(64).startswith(b"application/vnd.oasis.opendocument"):
                        code = "odf"
            if code is None and "[Content_Types].xml" in names:
                for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
                    if any(n.startswith(prefix) for n in names):
                        code = kind
                        break
            if code is not None:
                _check_archive(archive, name, limits, size)
            return code
    except EvidenceFileError:
        raise
    except _ZIP_ERRORS:
        return None


def _sniff(head: bytes, whole: IO[bytes], name: str, limits: ArchiveLimits) -> str | None:
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
        return _sniff_archive(whole, name, limits)
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
    # Checked first, so no message below repeats a name that displays as something else.
    refuse_direction_controls(name, field="upload", label="File name")
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
    code = _sniff(head, stream, name, ArchiveLimits.from_settings())
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
