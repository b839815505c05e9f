"""The translation catalogs: each message is defined once.

gettext's ``msgfmt`` refuses a catalog with a message defined twice, and two definitions with
different translations would make the page's wording depend on the compiler.
"""
from __future__ import annotations

import collections
from pathlib import Path

import pytest

CATALOGS = Path(__file__).resolve().parents[1] / "i18n"
LANGUAGES = ("id", "en")


def _msgids(lang: str) -> list[str]:
    """Every msgid (with its context) of one catalog, in file order, as written."""
    ids, current = [], None
    path = CATALOGS / lang / "LC_MESSAGES" / "ckanext-satudata_blitar.po"
    context = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgctxt "):
            context = line[len("msgctxt "):]
        elif line.startswith("msgid "):
            current = [context, line[len("msgid "):]]
            context = ""
        elif line.startswith('"') and current is not None:
            current[1] += line
        elif current is not None:
            if current[1] != '""':
                ids.append("|".join(current))
            current = None
    if current is not None and current[1] != '""':
        ids.append("|".join(current))
    return ids


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_message_is_defined_once(lang):
    twice = [m for m, n in collections.Counter(_msgids(lang)).items() if n > 1]
    assert twice == []

