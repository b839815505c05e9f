"""Which words of a page are English: the vocabulary of the portal's own message catalogs.

A word counts as English when it is a word of some English message (a msgid of CKAN core's
catalog, of ckanext-scheming's, ckanext-activity's or of this extension's) and of no Indonesian
translation (a msgstr of those catalogs in ``id``) nor of the short allow-list below (proper
names and technical words read the same in both languages). Indonesian data content (dataset
titles, OPD names) never matches: its words are not English UI words.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SITE = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"))

#: words written the same in Indonesian pages (names, formats, technical terms)
ALLOWED = {
    "ckan", "csv", "xlsx", "xls", "json", "api", "pdf", "rdf", "ttl", "jsonld", "dcat", "url",
    "opd", "sdi", "bps", "nip", "walidata", "sekretariat", "pembina", "data", "dataset",
    "datasets", "blitar", "kota", "satu", "email", "e-mail", "admin", "sysadmin", "login",
    "id", "en", "english", "indonesia", "bahasa", "markdown", "html", "sop", "ms-keg",
    "ms-var", "ms-ind", "keg", "var", "ind", "wib", "wita", "wit", "cc-by", "odc", "odbl",
    "pddl", "gnu", "fdl", "creative", "commons", "attribution", "share-alike", "open",
    "license", "licence", "zero", "public", "domain", "dedication", "non-commercial",
    "other", "government", "uk", "not", "specified", "sharealike", "by", "cc0", "odc-by",
    "cc-by-sa", "cc-nc", "gfdl", "ogl-uk", "ogl", "nc", "sa", "creative commons",
    "dashboard", "username", "password", "link", "upload", "download", "format", "status",
    "media", "file", "online", "offline", "tag", "tags", "ok", "total", "no", "versi", "version",
    "normal", "area", "standar", "template", "filter", "logo", "site", "web", "portal",
    "aktif", "token", "jam", "menit", "detik", "november", "desember", "oktober",
    "september", "agustus", "juli", "juni", "mei", "april", "maret", "februari", "januari",
    "am", "pm", "frictionless", "http", "https", "www", "go", "is", "it", "to",
    "unit", "level", "alias", "editor", "member", "kib", "mib", "gib", "mime",
}

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")


def words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text or "")}


def _catalog_words(path: Path) -> tuple[set[str], set[str]]:
    english: set[str] = set()
    indonesian: set[str] = set()
    if not path.exists():
        return english, indonesian
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = (message.string if isinstance(message.string, (tuple, list))
                   else (message.string,))
        for text in ids:
            english |= words(_strip_markup(text))
        for text in strings:
            indonesian |= words(_strip_markup(text or ""))
    return english, indonesian


def _strip_markup(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"%\([^)]*\)[sd]|%[sd]|\{[^}]*\}|&[a-z]+;", " ", text)
    return text


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """English UI words that no Indonesian translation uses."""
    english: set[str] = set()
    indonesian: set[str] = set()
    pairs = [
        (SITE / "ckan/i18n/id/LC_MESSAGES/ckan.po", SITE / "ckan/i18n/id/LC_MESSAGES/ckan.po"),
        (ROOT / "i18n/id/LC_MESSAGES/ckanext-satudata_blitar.po",
         ROOT / "i18n/id/LC_MESSAGES/ckanext-satudata_blitar.po"),
    ]
    for source, _ in pairs:
        e, i = _catalog_words(source)
        english |= e
        indonesian |= i
    return frozenset(w for w in english - indonesian - ALLOWED if len(w) > 2)


def english_words(text: str) -> list[str]:
    """The English UI words of ``text``, in order of first appearance."""
    vocab = vocabulary()
    seen: list[str] = []
    for word in _WORD.findall(text or ""):
        low = word.lower()
        if low in vocab and low not in seen:
            seen.append(low)
    return seen


def english_lines(text: str) -> list[str]:
    """The lines of ``text`` holding an English UI word (word: line)."""
    vocab = vocabulary()
    out = []
    for line in (text or "").splitlines():
        hits = [w for w in _WORD.findall(line) if w.lower() in vocab]
        if hits:
            out.append(f"{','.join(sorted(set(h.lower() for h in hits)))}: {line.strip()[:120]}")
    return out
