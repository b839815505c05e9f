"""Text normalisation shared by indexing and querying.

PostgreSQL has no Indonesian stemmer, so the backend uses the ``simple`` text search
configuration on text that Python has already normalised: case-folded, accents removed
(NFKD without combining marks, so it works whether or not the ``unaccent`` extension is
installed) and split into plain alphanumeric words. PostgreSQL's parser then sees only
space-separated words, so a dataset and a query are always tokenised the same way;
prefix matching in queries (``'kesehat':*``) replaces stemming.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

_WORD_RE = re.compile(r"[^\W_]+")
_MAX_WORD = 100  # PostgreSQL rejects lexemes longer than 2047 bytes
_MAX_TEXT = 200_000
_RANK_NOTES_WORDS = 30  # a tsvector must stay below 1 MB

#: Solr "text"/"textgen" fields of CKAN's schema: matched word by word, not exactly.
TEXT_FIELDS = frozenset({
    "title", "notes", "text", "res_name", "res_description", "author", "maintainer",
    "author_email", "maintainer_email", "urls", "title_ngram", "name_ngram",
})
TEXT_FIELD_PREFIXES = ("extras_", "res_extras_")

#: Fields that never go into the full-text vector (identifiers, flags, payloads).
_NOT_TEXT = frozenset({
    "id", "index_id", "site_id", "data_dict", "validated_data_dict", "permission_labels",
    "capacity", "state", "entity_type", "dataset_type", "type", "metadata_created",
    "metadata_modified", "indexed_ts", "owner_org", "creator_user_id", "revision_id",
    "private", "title_string", "license_id", "num_resources", "num_tags",
})
_WEIGHT_A = ("title", "name")
_WEIGHT_B = ("tags", "groups", "notes", "organization")
_URL_FIELDS = frozenset({"url", "res_url", "urls", "ckan_url", "download_url"})


def normalize(value: str) -> str:
    """Case-fold and strip accents (``"Kesehatan Dàta"`` -> ``"kesehatan data"``)."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(value: str) -> list[str]:
    """Normalised alphanumeric words of ``value``, in order."""
    return [w[:_MAX_WORD] for w in _WORD_RE.findall(normalize(value))]


def is_text_field(field: str) -> bool:
    return field in TEXT_FIELDS or field.startswith(TEXT_FIELD_PREFIXES)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, str):
                yield item


def _joined(parts: Iterable[str]) -> str:
    return " ".join(" ".join(words(p)) for p in parts)[:_MAX_TEXT]


def weighted_texts(doc: dict[str, Any]) -> dict[str, str]:
    """The words of an index document per tsvector weight (A title/name, B tags,
    groups, notes, organization, C every other text incl. extras and SDI fields,
    D URLs)."""
    a = [s for k in _WEIGHT_A for s in _strings(doc.get(k))]
    b = [s for k in _WEIGHT_B for s in _strings(doc.get(k))]
    b += [s for k, v in doc.items() if k.startswith("vocab_") for s in _strings(v)]
    c: list[str] = []
    d: list[str] = []
    for key, value in doc.items():
        if (key in _NOT_TEXT or key in _WEIGHT_A or key in _WEIGHT_B
                or key.startswith("vocab_") or key.endswith("_date")):
            continue
        (d if key in _URL_FIELDS else c).extend(_strings(value))
    return {"A": _joined(a), "B": _joined(b), "C": _joined(c), "D": _joined(d)}


def rank_texts(doc: dict[str, Any]) -> dict[str, str]:
    """The few words that rank a match: title/name (A), tags/groups (B) and the
    first words of the description (C)."""
    notes = " ".join(words(doc.get("notes") or "")[:_RANK_NOTES_WORDS]) \
        if isinstance(doc.get("notes"), str) else ""
    return {"A": _joined(s for k in _WEIGHT_A for s in _strings(doc.get(k))),
            "B": _joined(s for k in ("tags", "groups") for s in _strings(doc.get(k))),
            "C": notes}


def field_texts(doc: dict[str, Any]) -> dict[str, str]:
    """Normalised words of each text field, for ``title:word`` style matches."""
    out = {}
    for key, value in doc.items():
        if is_text_field(key) or key == "name":
            joined = _joined(_strings(value))
            if joined:
                out[key] = joined
    return out
