"""One written form for dates and moments, in Indonesian and English, in the portal's zone."""
import datetime as dt

from ckanext.satudata_blitar import formats


def test_moment_in_wib_indonesian_and_english():
    moment = dt.datetime(2026, 11, 29, 11, 16)  # naive = UTC, as CKAN stores it
    assert formats.format_datetime(moment, "id") == "29 November 2026, 18.16 WIB"
    assert formats.format_datetime(moment, "en") == "29 November 2026, 6:16 PM WIB"


def test_late_utc_evening_is_the_next_day_in_blitar():
    moment = dt.datetime(2026, 8, 16, 23, 30, tzinfo=dt.timezone.utc)
    assert formats.format_date(moment, "id") == "17 Agustus 2026"
    assert formats.format_date("2026-08-16", "en") == "16 August 2026"


def test_iso_strings_and_nothing():
    assert formats.format_datetime("2026-01-05T01:02:03", "id") == "5 Januari 2026, 08.02 WIB"
    assert formats.format_datetime("2026-01-05", "id") == "5 Januari 2026"
    assert formats.format_date(None) == "" and formats.format_datetime("") == ""
    assert formats.format_date("bukan tanggal", "id") == "bukan tanggal"
