"""Validation letters of the Kepala OPD (SOP step 8): which datasets a letter covers, when it
is used, and the letter check that ``validate`` runs."""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Optional
import sqlalchemy as sa
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.satudata_blitar import lifecycle, permissions
from ckanext.satudata_blitar.model.lifecycle import AuditEntry, DatasetStatus
from ckanext.satudata_blitar.model.records import (
    LetterDataset,
    ValidationLetter,
)


def letter_datasets(letter_id: str) -> list[str]:
    return [r[0] for r in model.Session.query(LetterDataset.package_id)
            .filter(LetterDataset.letter_id == letter_id)]


def letter_used(letter_id: str) -> bool:
    """A letter is used once a ``validate`` transition recorded it (then it is immutable)."""
    return model.Session.query(
        sa.exists().where(AuditEntry.transition == "validate",
                          AuditEntry.letter_ref == letter_id)).scalar()


def lock_letter(letter_id: str, share: bool = False) -> Optional[ValidationLetter]:
    """The letter read again from the database under a row lock held until the end of the
    transaction, or ``None``: ``FOR UPDATE`` to change it (``satudata_validation_letter_update``),
    ``share=True`` (``FOR SHARE``) to rely on it (``validate``). Several validates may share a
    letter; a change waits for them and they for it, so what a validate checked (the datasets
    the letter covers) stays true until it commits, and a change made after it sees it used."""
    return (model.Session.query(ValidationLetter).filter(ValidationLetter.id == letter_id)
            .with_for_update(read=share).populate_existing().one_or_none())


def letter_dict(letter: ValidationLetter, full: bool = True,
                reader: Optional[Callable[[model.Package], bool]] = None) -> dict[str, Any]:
    """A letter as a dict; ``full=False`` keeps only the public metadata (number, date,
    subject, OPD, signatory position, SHA-256). The full record names the datasets it covers
    that ``reader`` (:func:`permissions.dataset_reader` of the caller; default: an anonymous
    visitor) may see: a dataset moved to another OPD after the letter stays unnamed to the
    letter's OPD."""
    org = model.Group.get(letter.owner_org)
    can_see = reader or permissions.dataset_reader(None)
    pkgs = [model.Package.get(pid) for pid in letter_datasets(letter.id)]
    public = {
        "id": letter.id, "number": letter.number,
        "letter_date": letter.letter_date.isoformat(), "subject": letter.subject,
        "owner_org": letter.owner_org, "owner_org_name": org.name if org else None,
        "owner_org_title": org.title if org else None,
        "signatory_position": letter.signatory_position,
        "signatory_acting": letter.signatory_acting or "",
        "pdf_sha256": letter.pdf_sha256,
    }
    if not full:
        return public
    out = letter.as_dict()
    out.update(public)
    out["datasets"] = [{"id": p.id, "name": p.name, "title": p.title,
                        "state": lifecycle.get_state(p)}
                       for p in pkgs if p is not None and can_see(p)]
    out["used"] = letter_used(letter.id)
    out["has_pdf"] = bool(letter.pdf_key)
    return out


def check_letter_datasets(org_id: str, values: Any, errors: dict[str, list[str]],
                          current: Iterable[str] = (),
                          reader: Optional[Callable[[model.Package], bool]] = None,
                          ) -> list[model.Package]:
    """The datasets a letter covers: of the letter's OPD, verified by the Walidata. A dataset
    ``reader`` (the caller's :func:`permissions.dataset_reader`; default: an anonymous
    visitor) may not see is "not found": the messages never name it."""
    can_see = reader or permissions.dataset_reader(None)
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,]+", values) if v]
    if not values:
        errors.setdefault("datasets", []).append(tk._(
            "Choose at least one verified dataset of the OPD that the letter validates."))
        return []
    current = set(current)
    pkgs: list[model.Package] = []
    for value in values:
        pkg = model.Package.get(str(value))
        if pkg is None or pkg.state == "deleted" or not can_see(pkg):
            errors.setdefault("datasets", []).append(
                tk._('Dataset "{value}" not found.').format(value=value))
            continue
        if pkg.owner_org != org_id:
            errors.setdefault("datasets", []).append(tk._(
                'Dataset "{name}" belongs to another OPD: a letter covers only datasets of '
                "its own OPD.").format(name=pkg.name))
            continue
        state = lifecycle.get_state(pkg)
        allowed = (lifecycle.VERIFIED,) if pkg.id not in current else (
            lifecycle.VERIFIED, lifecycle.VALIDATED, lifecycle.PUBLISHED)
        if state not in allowed:
            errors.setdefault("datasets", []).append(tk._(
                'Dataset "{name}" is {state}: a validation letter covers datasets the Walidata '
                "has verified.").format(name=pkg.name, state=lifecycle.state_label(state)))
            continue
        if pkg not in pkgs:
            pkgs.append(pkg)
    return pkgs


def letter_candidates(org_id: str) -> list[model.Package]:
    """The datasets a new letter of the OPD may cover (what :func:`check_letter_datasets`
    accepts): the OPD's active datasets the Walidata has verified, by title."""
    status = DatasetStatus.__table__
    return (model.Session.query(model.Package)
            .join(status, status.c.package_id == model.Package.id)
            .filter(model.Package.owner_org == org_id, model.Package.state == "active",
                    lifecycle.governed_clause(model.Package.type),
                    status.c.state == lifecycle.VERIFIED)
            .order_by(model.Package.title, model.Package.name).all())


def letters_covering(pkg: model.Package) -> list[ValidationLetter]:
    return (model.Session.query(ValidationLetter)
            .join(LetterDataset, LetterDataset.letter_id == ValidationLetter.id)
            .filter(LetterDataset.package_id == pkg.id)
            .order_by(ValidationLetter.letter_date.desc(),
                      ValidationLetter.created_at.desc()).all())


def letter_checker(pkg: model.Package, letter_ref: Optional[str],
                   data: dict[str, Any]) -> list[str]:
    """What stops ``validate`` (``ISatudataLifecycle.satudata_letter_problems``): a validation
    letter of the dataset's OPD must cover the dataset.

    ``letter_ref`` is the letter's id or its number (in any letter case); when empty, the
    newest letter covering the dataset is used. The accepted letter's id is written back to
    ``data["letter_ref"]`` so that the audit row names it.

    The letter is locked (:func:`lock_letter`, ``FOR SHARE``) before it is checked, and the
    lock lasts until the validate commits: a concurrent change of the letter either finished
    before (and is what is checked here) or waits and then finds the letter used.
    """
    ref = (letter_ref or "").strip()
    if not ref:
        for candidate in letters_covering(pkg):
            letter = lock_letter(candidate.id, share=True)
            if letter is not None and pkg.id in letter_datasets(letter.id):
                data["letter_ref"] = letter.id
                return []
        return [tk._('No validation letter covers dataset "{name}": record the letter of '
                     "the Head of OPD first.").format(name=pkg.name)]
    letter = lock_letter(ref, share=True)
    if letter is None:
        found = (model.Session.query(ValidationLetter.id)
                 .filter(ValidationLetter.owner_org == pkg.owner_org,
                         sa.func.lower(ValidationLetter.number) == sa.func.lower(ref))
                 .order_by(ValidationLetter.year.desc()).first())
        letter = lock_letter(found[0], share=True) if found else None
    if letter is None:
        return [tk._('Validation letter "{ref}" not found: record it first.').format(ref=ref)]
    if letter.owner_org != pkg.owner_org:
        return [tk._("The validation letter belongs to another OPD.")]
    if pkg.id not in letter_datasets(letter.id):
        return [tk._('Validation letter "{number}" does not cover dataset "{name}".').format(
            number=letter.number, name=pkg.name)]
    if not letter.pdf_sha256:
        return [tk._("The validation letter has no signed PDF.")]
    data["letter_ref"] = letter.id
    return []


def public_letters(pkg: model.Package) -> list[dict[str, Any]]:
    """Letters that validated a dataset, as public metadata (number, date, subject …)."""
    ids = {r[0] for r in model.Session.query(AuditEntry.letter_ref)
           .filter(AuditEntry.package_id == pkg.id, AuditEntry.transition == "validate",
                   AuditEntry.letter_ref.isnot(None))}
    letters = [model.Session.get(ValidationLetter, i) for i in ids]
    return [letter_dict(letter, full=False)
            for letter in sorted((x for x in letters if x is not None),
                                 key=lambda x: x.letter_date, reverse=True)]


def get_letter(id_: str) -> ValidationLetter:
    letter = model.Session.get(ValidationLetter, id_) if id_ else None
    if letter is None:
        raise tk.ObjectNotFound(tk._("Validation letter not found"))
    return letter
