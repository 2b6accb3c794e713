"""The zip: the PDF, the JSON, every evidence file unchanged, and a manifest of SHA-256 hashes."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from justculture.cases.models import Case
from justculture.packs.builder import build_pack
from justculture.packs.errors import PackError
from justculture.packs.render import render_zip
from tests.packs.conftest import flat, normal, pdf_text


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_zip_holds_pdf_json_evidence_and_manifest(decided_case: Case, tmp_path: Path) -> None:
    pack = build_pack(decided_case, include_patient_details=False)
    archive = zipfile.ZipFile(io.BytesIO(render_zip(pack, decided_case)))
    assert archive.testzip() is None
    names = archive.namelist()
    documents = list(decided_case.documents.order_by("uploaded_at", "id"))
    appendix_names = ["appendices/01-ward7-rota-night.pdf", "appendices/02-oral-morphine-bottles.txt"]
    assert names == ["pack.pdf", "pack.json", *appendix_names, "manifest.json", "SHA256SUMS"]

    assert json.loads(archive.read("pack.json")) == pack
    assert archive.read("pack.pdf").startswith(b"%PDF-")
    text = flat(pdf_text(archive.read("pack.pdf"), tmp_path))
    assert normal(decided_case.factor_records.get(factor_id="staffing").account) in text

    for name, document in zip(appendix_names, documents, strict=True):
        content = archive.read(name)
        with document.file.open("rb") as stored:
            assert content == stored.read()
        assert _sha(content) == document.sha256

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case_reference"] == "C-0001" and manifest["patient_details_included"] is False
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == {"pack.pdf", "pack.json", *appendix_names}
    for path, entry in listed.items():
        content = archive.read(path)
        assert entry["sha256"] == _sha(content) and entry["size"] == len(content)
    sums = archive.read("SHA256SUMS").decode("ascii").splitlines()
    assert sums == [f"{listed[p]['sha256']}  {p}" for p in listed]


def test_a_changed_evidence_file_stops_the_zip(decided_case: Case) -> None:
    document = decided_case.documents.get(original_name="oral-morphine-bottles.txt")
    Path(document.file.path).write_bytes(b"altered after upload\n")
    pack = build_pack(decided_case, include_patient_details=False)
    with pytest.raises(PackError, match="no longer matches the hash"):
        render_zip(pack, decided_case)


def test_a_missing_evidence_file_stops_the_zip(decided_case: Case) -> None:
    document = decided_case.documents.get(original_name="oral-morphine-bottles.txt")
    Path(document.file.path).unlink()
    pack = build_pack(decided_case, include_patient_details=False)
    with pytest.raises(PackError, match="is missing"):
        render_zip(pack, decided_case)
