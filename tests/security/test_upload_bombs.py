"""Zip bombs as evidence: Office and OpenDocument files are zip archives, and checking one must
never unpack more than a bounded amount. Each bomb is built here with zipfile, written in chunks."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from justculture.cases import services as case_services
from justculture.cases.evidence import EvidenceFileError
from justculture.cases.models import Case, EvidenceDocument
from justculture.core.models import AuditEvent, User

MB = 1024 * 1024
ODF_MIMETYPE = b"application/vnd.oasis.opendocument.text"
CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
BOMB_MESSAGE = "unpacks to far more data than a document of its size should"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def _write_zeros(archive: zipfile.ZipFile, name: str, size: int, prefix: bytes = b"") -> None:
    """A member of `size` zero bytes (after an optional prefix), streamed 1 MB at a time."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w") as handle:
        handle.write(prefix)
        block = bytes(MB)
        for _ in range(size // MB):
            handle.write(block)


def docx(extra: Any = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document><w:body>Ward 7 rota</w:body></w:document>")
        if extra is not None:
            extra(archive)
    return buffer.getvalue()


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODF_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office:document-content>Statement</office:document-content>" * 50,
                         compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def odf_bomb() -> bytes:
    """The tester's file: an OpenDocument 'mimetype' that unpacks to 200 MB (about 200 KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _write_zeros(archive, "mimetype", 200 * MB, prefix=ODF_MIMETYPE)
    return buffer.getvalue()


def many_members() -> bytes:
    return docx(lambda archive: [archive.writestr(f"word/media/p{n}.xml", b"x") for n in range(5000)])


def too_compressible() -> bytes:
    """Under the size limits, but 50 MB of zeros packed a thousand times smaller."""
    return docx(lambda archive: _write_zeros(archive, "word/media/image1.png", 50 * MB))


def lying_header() -> bytes:
    """A 50 MB member whose headers (local and central) both claim it is 1 KB."""
    data = bytearray(too_compressible())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            size_at = at + offset
            (declared,) = struct.unpack_from("<L", data, size_at)
            if declared == 50 * MB:
                struct.pack_into("<L", data, size_at, 1024)
            at += 4
    return bytes(data)


def upload_url(case: Case) -> str:
    return reverse("factors:evidence-upload", args=[case.reference])


def post(client: Client, case: Case, name: str, content: bytes) -> str:
    response = client.post(upload_url(case), {
        "file": SimpleUploadedFile(name, content), "description": "Ward 7 rota", "document_date": "2024-03-01",
    })
    assert response.status_code == 200, "the upload was accepted"
    return unescape(response.content.decode())


def assert_nothing_kept(media_root: Path) -> None:
    assert not EvidenceDocument.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.upload").exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(("name", "make", "message"), [
    ("rota.docx", too_compressible, BOMB_MESSAGE),
    ("rota.docx", many_members, "holds more than 1,000 parts packed inside it"),
    ("rota.docx", lying_header, "is not a type we accept"),
])
def test_bombs_are_refused_in_the_upload_form(
    name: str, make: Any, message: str, handler_client: Client, case: Case, media_root: Path
) -> None:
    page = post(handler_client, case, name, make())
    assert "There is a problem" in page and 'href="#file"' in page
    assert f"The file {name} " in page and message in page
    assert "Choose the file again" in page and 'value="Ward 7 rota"' in page
    assert_nothing_kept(media_root)


def test_the_testers_opendocument_bomb_is_refused_without_unpacking_it(
    odf_bomb: bytes, handler_client: Client, handler: User, case: Case, media_root: Path
) -> None:
    assert len(odf_bomb) < 1 * MB
    page = post(handler_client, case, "statement.odt", odf_bomb)
    assert "There is a problem" in page and f"The file statement.odt {BOMB_MESSAGE}" in page
    assert_nothing_kept(media_root)
    # The service itself: refused with the field named, and far less than 200 MB ever held.
    tracemalloc.start()
    try:
        with pytest.raises(EvidenceFileError) as refused:
            case_services.evidence_upload(case=case, upload=SimpleUploadedFile("statement.odt", odf_bomb),
                                          description="Statement", by=handler)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.field == "upload"
    assert peak < 20 * MB
    assert_nothing_kept(media_root)


@pytest.mark.parametrize(("name", "make", "kind"), [("rota.docx", docx, "docx"), ("statement.odt", odt, "odf")])
def test_ordinary_documents_still_upload(
    name: str, make: Any, kind: str, handler_client: Client, case: Case
) -> None:
    response = handler_client.post(upload_url(case), {
        "file": SimpleUploadedFile(name, make()), "description": "Ward 7 rota", "document_date": "2024-03-01",
    })
    assert response.status_code == 302
    document = EvidenceDocument.objects.get()
    assert document.kind == kind and document.original_name == name
