"""Working-day arithmetic on real Indonesian 2025/2026 holiday dates."""
import datetime as dt

import pytest

from ckanext.satudata_blitar import workdays

D = dt.date


@pytest.mark.parametrize("start, count, due", [
    (D(2026, 11, 23), 5, D(2026, 11, 30)),   # Mon → next Mon, an ordinary week
    (D(2026, 11, 27), 1, D(2026, 11, 30)),   # Fri + 1 skips the weekend
    (D(2026, 3, 13), 5, D(2026, 3, 27)),     # Nyepi 18–19 Mar, Idul Fitri cuti bersama 20–24 Mar
    (D(2025, 3, 27), 5, D(2025, 4, 14)),     # Idul Fitri 2025: 28 Mar – 7 Apr off
    (D(2026, 12, 22), 3, D(2026, 12, 29)),   # cuti bersama Natal 24 Dec, Natal 25 Dec
    (D(2025, 8, 15), 2, D(2025, 8, 20)),     # 17 Aug on Sunday, cuti bersama Mon 18 Aug
    (D(2026, 5, 13), 1, D(2026, 5, 18)),     # Kenaikan 14 May + cuti bersama 15 May
    (D(2026, 11, 25), 0, D(2026, 11, 25)),
])
def test_add_working_days(start, count, due):
    assert workdays.add_working_days(start, count) == due


def test_add_working_days_is_counting_day_by_day():
    # the binary search over the cumulative calendar gives the day a walk would reach, across
    # the turn of the year and every holiday of 2026 (Idul Fitri and its cuti bersama included)
    day = D(2025, 12, 1)
    while day <= D(2026, 12, 31):
        for count in (1, 5, 13):
            walk, left = day, count
            while left:
                walk += dt.timedelta(days=1)
                left -= workdays.is_working_day(walk)
            assert workdays.add_working_days(day, count) == walk, (day, count)
        day += dt.timedelta(days=1)


def test_working_days_between_is_the_inverse_of_add():
    start = D(2025, 1, 1)
    for count in range(0, 260, 7):
        end = workdays.add_working_days(start, count)
        assert workdays.working_days_between(start, end) == count


def test_days_off_include_public_holidays_and_cuti_bersama_with_indonesian_names():
    days = workdays.days_off(2026)
    assert days[D(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert "Cuti Bersama" in days[D(2026, 3, 20)]
    assert not workdays.is_working_day(D(2026, 3, 23))
    assert workdays.is_working_day(D(2026, 3, 25))
    assert not workdays.is_working_day(D(2026, 11, 28))  # Saturday


@pytest.mark.ckan_config("ckanext.satudata_blitar.extra_days_off",
                         "2026-06-02:Hari_Jadi_Kota_Blitar 2026-11-26")
@pytest.mark.ckan_config("ckanext.satudata_blitar.working_days_override", "2026-12-24")
def test_config_adds_local_days_off_and_overrides_national_ones():
    assert not workdays.is_working_day(D(2026, 6, 2))
    assert workdays.days_off(2026)[D(2026, 6, 2)] == "Hari_Jadi_Kota_Blitar"
    assert workdays.add_working_days(D(2026, 11, 25), 1) == D(2026, 11, 27)
    assert workdays.is_working_day(D(2026, 12, 24))


@pytest.mark.ckan_config("ckanext.satudata_blitar.extra_days_off", "2026-02-30")
def test_bad_configured_date_is_a_clear_error():
    with pytest.raises(ValueError, match="2026-02-30"):
        workdays.is_working_day(D(2026, 2, 2))


def test_local_date_uses_wib():
    sunday_night_utc = dt.datetime(2026, 11, 22, 18, 30, tzinfo=dt.timezone.utc)
    assert workdays.local_date(sunday_night_utc) == D(2026, 11, 23)  # Monday 01:30 WIB
    assert workdays.local_date(dt.datetime(2026, 11, 22, 16, 59)) == D(2026, 11, 22)


def test_pauses_stop_the_clock():
    # submitted Mon 2 Nov 2026, returned Wed 4 Nov, resubmitted Mon 9 Nov, checked Wed 11 Nov
    start, end = D(2026, 11, 2), D(2026, 11, 11)
    assert workdays.elapsed_working_days(start, end) == 7
    pauses = [(D(2026, 11, 4), D(2026, 11, 9))]
    assert workdays.elapsed_working_days(start, end, pauses) == 4  # 3, 4, 10, 11 Nov
    # an open pause stops the clock up to the end
    assert workdays.elapsed_working_days(start, end, [(D(2026, 11, 4), None)]) == 2
    # the deadline moves back by the paused working days (5, 6, 9 Nov)
    assert workdays.due("verification", start, pauses) == D(2026, 11, 12)
    assert workdays.due("verification", start) == D(2026, 11, 9)
