"""How every test takes a dataset through the SOP: through the real actions and gates.

``submit`` runs the real gate (complete SDI metadata, passing data checks) and ``validate``
the real letter check; the fixtures satisfy them the way a producer and a Kepala OPD do:
:data:`COMPLETE` fills every field the gate requires, :func:`record_letter` records a real
validation letter with a real signed PDF covering the dataset. Pages are driven as a browser
drives them: :func:`browser` signs in with a session cookie, :func:`post_form` posts a form
with the CSRF token of its page.
"""
from __future__ import annotations

import io
import itertools
import uuid
import re
from typing import Any, Optional

from werkzeug.datastructures import FileStorage

import ckan.model as model
from ckan.tests import helpers

from ckanext.satudata_blitar import lifecycle

#: SDI metadata that passes the submit gate (schemas/dataset.yaml field names)
COMPLETE: dict[str, Any] = {
    "notes": "Jumlah penduduk per kelurahan menurut jenis kelamin.",
    "maintainer": "Kepala Bidang Data",
    "maintainer_email": "data@opd.example.go.id",
    "frequency": "tahunan",
    "periode_referensi_mulai": "2025",
    "periode_referensi_selesai": "2025",
    "cakupan_wilayah": ["35.72.01"],
    "konsep": "Penduduk",
    "definisi": "Orang yang berdomisili di wilayah Kota Blitar.",
    "satuan": "orang",
}

NIP = "198001012005011001"
#: letter numbers: a count, and a mark of this process so that several processes writing to one
#: database (``tests/harvest/ckan_ops.py`` runs one per step) never repeat a number
_numbers = itertools.count(1)
_PROCESS = uuid.uuid4().hex[:6]


def make_pdf(text: str = "Surat validasi", pad: int = 0) -> bytes:
    """A minimal valid one-page PDF (header, objects, xref table, trailer, %%EOF)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1") + b" " * pad
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    return out.getvalue()


def upload(data: bytes, filename: str = "surat.pdf",
           content_type: str = "application/pdf") -> FileStorage:
    """``data`` as a file upload (what a form or the API hands to an action)."""
    return FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)


#: a CSV of Kota Blitar for 2025 that passes its data check, with or without the standard
#: ``penduduk-kelurahan-jenis-kelamin`` (columns, codes and years of that standard)
PASSING_CSV = (
    b"kode_wilayah,kelurahan,kecamatan,laki_laki,perempuan,jumlah,tahun\n"
    b"35.72.01.1001,Kepanjenkidul,Kepanjenkidul,4587,4605,9192,2025\n"
    b"35.72.01.1002,Ngadirejo,Kepanjenkidul,3917,3919,7836,2025\n"
    b"35.72.02.1001,Pakunden,Sukorejo,5120,5188,10308,2025\n"
)


def upload_csv(package_id: str, filename: str = "data.csv", data: bytes = PASSING_CSV,
               context: Optional[dict] = None, **fields: Any) -> dict[str, Any]:
    """Upload a CSV resource the way a producer does; its data check runs at once.

    Without a ``context`` user the site user uploads (the activity stream needs a real user).
    """
    context = dict(context or {})
    if not context.get("user"):
        context["user"] = helpers.call_action("get_site_user")["name"]
    data_dict = {"package_id": package_id, "url": filename, "name": filename, "format": "CSV",
                 "upload": upload(data, filename, "text/csv")}
    data_dict.update(fields)
    return helpers.call_action("resource_create", context=context, **data_dict)


def record_letter(owner_org: str, package_ids: list[str], context: Optional[dict] = None,
                  **fields: Any) -> dict[str, Any]:
    """Record a real validation letter (signed PDF) of ``owner_org`` covering the datasets."""
    data = {
        "owner_org": owner_org, "number": f"000.5/{next(_numbers)}.{_PROCESS}/410.uji/2026",
        "letter_date": "2026-01-05", "subject": "Validasi data sektoral",
        "signatory_name": "Dr. Sri Wahyuni", "signatory_nip": NIP,
        "signatory_position": "Kepala Dinas", "signatory_acting": "",
        "datasets": package_ids, "upload": upload(make_pdf()),
    }
    data.update(fields)
    if context is not None:
        return helpers.call_action("satudata_validation_letter_create", context=dict(context),
                                   **data)
    return helpers.call_action("satudata_validation_letter_create", **data)


#: the happy path to publication
PATH = ("submit", "verify", "validate", "publish")


def walk(package_id: str, state: str = lifecycle.PUBLISHED) -> None:
    """Take a draft along the happy path to ``state`` through the actions (as the system):
    the submit gate and the letter check decide, as for any user."""
    if state == lifecycle.DRAFT:
        return
    for transition in PATH:
        extra: dict[str, Any] = {}
        if transition == "validate":
            pkg = model.Package.get(package_id)
            extra["letter_ref"] = record_letter(pkg.owner_org, [package_id])["id"]
        helpers.call_action(f"satudata_dataset_{transition}", id=package_id, **extra)
        if lifecycle.TRANSITIONS[transition].target == state:
            return
    raise AssertionError(f"unknown state {state}")


# -- forms, posted as a browser posts them (CSRF) ---------------------------------------------------
_CSRF_INPUT = re.compile(r'<input type="hidden" name="_csrf_token" value="([^"]+)"')


def browser(app: Any, user: str, password: Optional[str] = None) -> Any:
    """A test client that keeps its session cookie, signed in as ``user``: through CKAN's
    login form when the password is known (``factories.UserWithToken``: ``correct123``), else
    through the ``REMOTE_USER`` sign-in CKAN keeps for tests. Unlike a request carrying an API
    token (which CKAN exempts from CSRF), each POST of this client needs a form's CSRF token:
    use :func:`post_form`."""
    client = app.test_client()
    if password is None:
        client.get("/", environ_overrides={"REMOTE_USER": user})
    else:
        response = post_form(client, "/user/login", {"login": user, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def csrf_token(client: Any, url: str) -> str:
    """The CSRF token in a form of the page at ``url`` (its hidden ``_csrf_token`` input)."""
    page = client.get(url, follow_redirects=False)
    assert page.status_code == 200, (url, page.status_code)
    match = _CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no form with a CSRF token on {url}"
    return match.group(1)


def post_form(client: Any, url: str, data: dict[str, Any], form_url: Optional[str] = None,
              **kwargs: Any) -> Any:
    """POST ``data`` to ``url`` as a browser submits the form of the page ``form_url``
    (default: ``url`` itself), with the CSRF token that page carries; redirects not followed
    unless asked."""
    token = csrf_token(client, form_url or url)
    kwargs.setdefault("follow_redirects", False)
    return client.post(url, data=dict(data, _csrf_token=token), **kwargs)
