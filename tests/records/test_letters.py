"""Validation letters (SOP step 8): checked PDFs, bad input, and what ``validate`` checks
(the real letter check of the plugin's ``ISatudataLifecycle``)."""
from __future__ import annotations

import hashlib
import os

import pytest

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle
from ckanext.satudata_blitar.model import records
from ckanext.satudata_blitar.records.pdf import pdf_path

from . import support
from sop_support import make_pdf, upload

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


@pytest.fixture
def world():
    return support.make_world()


def _files() -> int:
    root = os.path.join(tk.config["ckan.storage_path"], "resources")
    return sum(len(f) for _, _, f in os.walk(root)) if os.path.isdir(root) else 0


def test_letter_is_recorded_with_pdf_and_checksum(world):
    pkg = support.dataset(world, lifecycle.VERIFIED)
    content = make_pdf("Surat validasi 1")
    letter = support.letter(world, [pkg["id"]], upload=upload(content))
    assert letter["pdf_sha256"] == hashlib.sha256(content).hexdigest()
    assert letter["pdf_size"] == len(content)
    assert letter["year"] == 2026
    assert [d["id"] for d in letter["datasets"]] == [pkg["id"]]
    stored = model.Session.get(records.ValidationLetter, letter["id"])
    with open(pdf_path(stored.pdf_key), "rb") as f:
        assert f.read() == content
    # never under the publicly served storage/uploads folder
    assert "/storage/uploads/" not in pdf_path(stored.pdf_key)


def test_one_letter_covers_several_datasets(world):
    a = support.dataset(world, lifecycle.VERIFIED)
    b = support.dataset(world, lifecycle.VERIFIED)
    letter = support.letter(world, [a["id"], b["name"]])
    assert {d["id"] for d in letter["datasets"]} == {a["id"], b["id"]}


@pytest.mark.parametrize("change, field", [
    ({"letter_date": "2099-01-01"}, "letter_date"),
    ({"letter_date": "02/11/2026"}, "letter_date"),
    ({"signatory_nip": "12345"}, "signatory_nip"),
    ({"signatory_acting": "pj"}, "signatory_acting"),
    ({"subject": ""}, "subject"),
    ({"number": ""}, "number"),
    ({"upload": None}, "upload"),
    ({"datasets": []}, "datasets"),
    ({"datasets": ["tidak-ada"]}, "datasets"),
])
def test_bad_input_saves_nothing(world, change, field):
    pkg = support.dataset(world, lifecycle.VERIFIED)
    files = _files()
    change = dict(change)
    datasets = change.pop("datasets", [pkg["id"]])
    with pytest.raises(tk.ValidationError) as e:
        support.letter(world, datasets, **change)
    assert field in e.value.error_dict
    assert support.count("satudata_blitar_letter") == 0
    assert support.count("satudata_blitar_letter_dataset") == 0
    assert _files() == files


@pytest.mark.parametrize("content, message", [
    (b"Ini bukan PDF, hanya teks biasa.", "not a PDF"),
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "not a PDF"),
    (make_pdf()[:-30], "damaged"),
    (make_pdf().replace(b"startxref\n", b"startxref\n9"), "damaged"),
])
def test_non_pdf_refused(world, content, message):
    pkg = support.dataset(world, lifecycle.VERIFIED)
    with pytest.raises(tk.ValidationError) as e:
        support.letter(world, [pkg["id"]], upload=upload(content, "surat.pdf"))
    assert message in " ".join(e.value.error_dict["upload"])
    assert support.count("satudata_blitar_letter") == 0


@pytest.mark.ckan_config("ckanext.satudata_blitar.letter_max_mb", 1)
def test_too_big_pdf_refused(world):
    pkg = support.dataset(world, lifecycle.VERIFIED)
    files = _files()
    big = make_pdf(pad=1024 * 1024 + 10)
    with pytest.raises(tk.ValidationError) as e:
        support.letter(world, [pkg["id"]], upload=upload(big))
    assert "1 MB" in e.value.error_dict["upload"][0]
    assert support.count("satudata_blitar_letter") == 0
    assert _files() == files


def test_duplicate_number_within_opd_and_year(world):
    a = support.dataset(world, lifecycle.VERIFIED)
    b = support.dataset(world, lifecycle.VERIFIED)
    support.letter(world, [a["id"]], number="000.5/7/410.111/2026")
    with pytest.raises(tk.ValidationError) as e:
        support.letter(world, [b["id"]], number="000.5/7/410.111/2026")
    assert "number" in e.value.error_dict
    assert support.count("satudata_blitar_letter") == 1
    # same number in another year, or in another OPD, is fine
    support.letter(world, [b["id"]], number="000.5/7/410.111/2026", letter_date="2025-11-03")
    c = support.dataset(world, lifecycle.VERIFIED, org="org_b")
    support.letter(world, [c["id"]], org="org_b", number="000.5/7/410.111/2026")
    assert support.count("satudata_blitar_letter") == 3


def test_letter_cannot_cover_another_opds_dataset(world):
    ours = support.dataset(world, lifecycle.VERIFIED)
    theirs = support.dataset(world, lifecycle.VERIFIED, org="org_b")
    with pytest.raises(tk.ValidationError) as e:
        support.letter(world, [ours["id"], theirs["id"]])
    assert "another OPD" in e.value.error_dict["datasets"][0]
    assert support.count("satudata_blitar_letter") == 0


def test_letter_covers_only_verified_datasets(world):
    draft = support.dataset(world)
    with pytest.raises(tk.ValidationError) as e:
        support.letter(world, [draft["id"]])
    assert "verified" in e.value.error_dict["datasets"][0]


def test_validate_requires_a_covering_letter(world):
    pkg = support.dataset(world, lifecycle.VERIFIED)
    other = support.dataset(world, lifecycle.VERIFIED)
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("satudata_dataset_validate", id=pkg["id"])
    assert "letter_ref" in e.value.error_dict
    with pytest.raises(tk.ValidationError):
        helpers.call_action("satudata_dataset_validate", id=pkg["id"],
                            letter_ref="000.5/999/tidak-ada")
    other_letter = support.letter(world, [other["id"]])
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("satudata_dataset_validate", id=pkg["id"],
                            letter_ref=other_letter["id"])
    assert "does not cover" in e.value.error_dict["letter_ref"][0]
    assert support.count("satudata_blitar_audit WHERE transition = 'validate'") == 0

    letter = support.letter(world, [pkg["id"]])
    status = helpers.call_action("satudata_dataset_validate", id=pkg["id"],
                                 letter_ref=letter["number"])
    assert status["state"] == lifecycle.VALIDATED
    history = helpers.call_action("satudata_dataset_history", id=pkg["id"])
    assert history[-1]["letter_ref"] == letter["id"]


def test_validate_without_reference_uses_the_covering_letter(world):
    pkg = support.dataset(world, lifecycle.VERIFIED)
    letter = support.letter(world, [pkg["id"]])
    helpers.call_action("satudata_dataset_validate", id=pkg["id"])
    assert helpers.call_action("satudata_dataset_history", id=pkg["id"])[-1]["letter_ref"] \
        == letter["id"]


def test_letter_of_another_opd_refused_by_validate(world):
    pkg = support.dataset(world, lifecycle.VERIFIED)
    theirs = support.dataset(world, lifecycle.VERIFIED, org="org_b")
    letter = support.letter(world, [theirs["id"]], org="org_b")
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("satudata_dataset_validate", id=pkg["id"], letter_ref=letter["id"])
    assert "another OPD" in e.value.error_dict["letter_ref"][0]


def test_update_only_before_use(world):
    pkg = support.dataset(world, lifecycle.VERIFIED)
    letter = support.letter(world, [pkg["id"]])
    new_pdf = make_pdf("Perbaikan")
    changed = helpers.call_action("satudata_validation_letter_update", id=letter["id"],
                                  subject="Validasi (perbaikan)", upload=upload(new_pdf))
    assert changed["subject"] == "Validasi (perbaikan)"
    assert changed["pdf_sha256"] == hashlib.sha256(new_pdf).hexdigest()
    assert changed["number"] == letter["number"]
    helpers.call_action("satudata_dataset_validate", id=pkg["id"], letter_ref=letter["id"])
    assert helpers.call_action("satudata_validation_letter_show", id=letter["id"])["used"]
    with pytest.raises(tk.ValidationError):
        helpers.call_action("satudata_validation_letter_update", id=letter["id"],
                            subject="Lagi")


def test_public_metadata_of_published_dataset(world, app):
    pkg = support.dataset(world, lifecycle.PUBLISHED)
    public = helpers.call_action("satudata_dataset_letter_list",
                                 context={"user": "", "ignore_auth": False}, id=pkg["id"])
    assert len(public) == 1
    assert set(public[0]) >= {"number", "letter_date", "subject", "pdf_sha256"}
    assert "signatory_nip" not in public[0] and "signatory_name" not in public[0]


def test_dataset_letters_of_unpublished_dataset_hidden_from_public(world):
    pkg = support.dataset(world, lifecycle.VALIDATED)
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action("satudata_dataset_letter_list",
                            context={"user": "", "ignore_auth": False}, id=pkg["id"])
