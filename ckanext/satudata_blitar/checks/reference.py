"""Reference area codes of the region (Kemendagri and BPS systems).

The data file is ``schemas/reference/kota_blitar_wilayah.csv`` (sources in
``schemas/reference/SOURCE.md``). It is read once per process; it is static data shipped
with the package, so caching it in memory keeps no mutable state.
"""
from __future__ import annotations

import csv
import functools
import os
from dataclasses import dataclass, field
from typing import Optional

from ckanext.satudata_blitar import schemas as _schemas_pkg

KEMENDAGRI = "kemendagri"
BPS = "bps"


@dataclass(frozen=True)
class Area:
    """One area of the reference list."""

    level: str  # kota, kecamatan, kelurahan
    name: str
    kemendagri: str
    bps: str
    kecamatan: str  # Kemendagri code of its kecamatan ("" for the city)


@dataclass
class AreaReference:
    """Lookup tables over the reference list."""

    areas: list[Area] = field(default_factory=list)
    by_kemendagri: dict[str, Area] = field(default_factory=dict)
    by_bps: dict[str, Area] = field(default_factory=dict)

    def lookup(self, code: str) -> tuple[Optional[Area], Optional[str]]:
        """Return ``(area, system)`` for a code in either system, ``(None, guess)`` if unknown.

        :param code: the code as written in the data (whitespace is ignored)
        """
        code = code.strip()
        area = self.by_kemendagri.get(code)
        if area is not None:
            return area, KEMENDAGRI
        area = self.by_bps.get(code)
        if area is not None:
            return area, BPS
        return None, guess_system(code)

    def example(self, code: str, system: Optional[str], level: Optional[str] = None) -> str:
        """A valid code close to ``code`` to quote in a message (same system and prefix)."""
        system = system or KEMENDAGRI
        codes = [a.kemendagri if system == KEMENDAGRI else a.bps for a in self.areas
                 if level in (None, "any", a.level)]
        codes = [c for c in codes if c] or [a.kemendagri for a in self.areas]
        best = max(codes, key=lambda c: (_common_prefix(c, code.strip()), -len(c)))
        return best

    def nearest(self, code: str, level: Optional[str] = None) -> Optional[str]:
        """The valid Kemendagri code a mistyped ``code`` most likely means, or ``None``.

        The digits are compared, so misplaced or missing dots (``3572.03`` → ``35.72.03``)
        and BPS digits for a Kemendagri code find their area; else the one code of as many
        digits that differs by one changed or swapped digit (``35.72.01.1010`` →
        ``35.72.01.1001``)."""
        digits = "".join(ch for ch in code if ch.isdigit())
        if not digits:
            return None
        areas = [a for a in self.areas if level in (None, "any", a.level)] or self.areas
        for area in areas:
            if digits in (area.kemendagri.replace(".", ""), area.bps):
                return area.kemendagri
        close = [a.kemendagri for a in areas
                 if len(a.kemendagri.replace(".", "")) == len(digits)
                 and _within_one_edit(digits, a.kemendagri.replace(".", ""))]
        return close[0] if len(close) == 1 else None

    def choices(self) -> list[dict[str, str]]:
        """Kemendagri codes as scheming choices (value, label)."""
        out = []
        for a in self.areas:
            prefix = {"kota": "", "kecamatan": "Kec. ", "kelurahan": "Kel. "}[a.level]
            out.append({"value": a.kemendagri, "label": f"{a.kemendagri} {prefix}{a.name}"})
        return out


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by changing, adding, removing or swapping one character."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i, (x, y) in enumerate(zip(short, long_)) if x != y), len(short))
    return short[i:] == long_[i + 1:]


def guess_system(code: str) -> Optional[str]:
    """Which system a code is written in: dotted Kemendagri or all-digit BPS."""
    code = code.strip()
    if not code:
        return None
    if "." in code:
        return KEMENDAGRI
    if code.isdigit():
        return BPS
    return None


def reference_path() -> str:
    """Path of the shipped reference CSV."""
    return os.path.join(os.path.dirname(_schemas_pkg.__file__), "reference",
                        "kota_blitar_wilayah.csv")


@functools.lru_cache(maxsize=1)
def load_reference() -> AreaReference:
    """Read the reference CSV (cached: static package data)."""
    ref = AreaReference()
    with open(reference_path(), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            area = Area(level=row["tingkat"], name=row["nama"],
                        kemendagri=row["kode_kemendagri"], bps=row["kode_bps"],
                        kecamatan=row["kecamatan_kemendagri"])
            ref.areas.append(area)
            ref.by_kemendagri[area.kemendagri] = area
            if area.bps:
                ref.by_bps[area.bps] = area
    return ref
