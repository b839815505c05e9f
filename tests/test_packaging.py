"""A plain, non-editable ``pip install .`` ships the whole extension, schemas/ and i18n/ too."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tracked(*paths: str) -> list[str]:
    return subprocess.run(["git", "ls-files", *paths], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.split()


def test_wheel_ships_code_templates_migrations_schemas_and_compiled_catalogs(tmp_path):
    # build from a copy of the tracked files: a stale build/ folder must not hide a gap
    src = tmp_path / "src"
    for name in _tracked():
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(src)],
        capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel, = (tmp_path / "dist").glob("ckanext_satudata_blitar-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    tracked = _tracked("ckanext", "schemas", "i18n")
    assert tracked
    prefix = "ckanext/satudata_blitar/"
    expected = {prefix + t if t.startswith(("schemas/", "i18n/")) else t
                for t in tracked if not t.endswith(".keep")}
    assert sorted(expected - names) == []
    assert prefix + "schemas/dataset.yaml" in names
    assert prefix + "migration/satudata_blitar/alembic.ini" in names
    for lang in ("id", "en"):
        assert f"{prefix}i18n/{lang}/LC_MESSAGES/ckanext-satudata_blitar.mo" in names

    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    for plugin in ("satudata_blitar", "satudata_search", "satudata_harvest"):
        assert f"{plugin} = " in text
