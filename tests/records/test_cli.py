"""``ckan satudata daftar-data``: import and export through the CLI."""
from __future__ import annotations

import pytest

from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import helpers

from . import support

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def test_import_export_round_trip(cli, tmp_path):
    support.make_world()
    src = tmp_path / "dd.csv"
    src.write_text("kode,nama_data,opd,frekuensi\nDD-1,Data satu,dinas-kesehatan,tahunan\n"
                   "DD-2,Data dua,Dinas Pendidikan,bulanan\n", encoding="utf-8")
    result = cli.invoke(ckan_cli, ["satudata", "daftar-data", "import", str(src),
                                   "--year", "2026"])
    assert result.exit_code == 0, result.output
    assert "2 items imported" in result.output
    dd = helpers.call_action("satudata_daftar_data_list", year=2026)[0]
    helpers.call_action("satudata_daftar_data_agree", id=dd["id"], agreed_date="2026-01-15",
                        minute_number="BA/1")
    out = tmp_path / "out.xlsx"
    result = cli.invoke(ckan_cli, ["satudata", "daftar-data", "export", "2026", "--format",
                                   "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    result = cli.invoke(ckan_cli, ["satudata", "daftar-data", "import", str(out),
                                   "--year", "2027"])
    assert result.exit_code == 0, result.output
    items = helpers.call_action("satudata_daftar_data_show",
                                id=helpers.call_action("satudata_daftar_data_list",
                                                       year=2027)[0]["id"])["items"]
    assert [(i["code"], i["frequency"]) for i in items] == [("DD-1", "tahunan"),
                                                           ("DD-2", "bulanan")]


def test_import_with_bad_rows_fails_and_imports_nothing(cli, tmp_path):
    support.make_world()
    src = tmp_path / "dd.csv"
    src.write_text("kode,nama_data,opd\nDD-1,Data satu,dinas-kesehatan\nDD-2,,opd-hantu\n",
                   encoding="utf-8")
    result = cli.invoke(ckan_cli, ["satudata", "daftar-data", "import", str(src),
                                   "--year", "2026"])
    assert result.exit_code == 1
    assert "Row 3" in result.output
    dd = helpers.call_action("satudata_daftar_data_list", year=2026)[0]
    assert helpers.call_action("satudata_daftar_data_show", id=dd["id"])["items"] == []
