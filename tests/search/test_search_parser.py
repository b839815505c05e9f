"""The Lucene/Solr subset parser (no database needed)."""
from __future__ import annotations

import datetime

import pytest

from ckan.lib.search.common import SearchQueryError

from ckanext.satudata_blitar.search import parser as qp
from ckanext.satudata_blitar.search.compiler import parse_date

T = qp.Term


def test_harvester_or_groups_only_its_own_terms():
    node = qp.parse("+capacity:public organization:a OR organization:b +state:(active)")
    assert node == qp.And((
        T("capacity", "public"),
        qp.Or((T("organization", "a"), T("organization", "b"))),
        T("state", "active"),
    ))


def test_harvester_exclusions_and_range():
    assert qp.parse("+capacity:public -organization:a -organization:b +state:(active)") == \
        qp.And((T("capacity", "public"), T("state", "active"),
                qp.Not(T("organization", "a")), qp.Not(T("organization", "b"))))
    node = qp.parse("+capacity:public metadata_modified:[2026-11-25T11:00:26.965704Z TO *]"
                    " +state:(active)")
    assert node.children[1] == qp.Range(
        "metadata_modified", "2026-11-25T11:00:26.965704Z", None, True, True)


def test_q_op_or_follows_lucene_must_should():
    # CKAN's internal queries do not send q.op: Solr's default OR applies
    assert qp.parse('+site_id:"x" +state:active ', "OR") == qp.And(
        (T("site_id", "x", phrase=True), T("state", "active")))
    assert qp.parse('name:"a" OR id:"a"', "OR") == qp.Or(
        (T("name", "a", phrase=True), T("id", "a", phrase=True)))
    # optional clauses next to a required one do not filter (Lucene SHOULD)
    assert qp.parse("+a b", "OR") == T("text", "a")
    assert qp.parse("a b", "OR") == qp.Or((T("text", "a"), T("text", "b")))
    assert qp.parse("a b", "AND") == qp.And((T("text", "a"), T("text", "b")))


def test_precedence_not_and_or_and_nesting():
    assert qp.parse("a AND b OR c") == qp.Or((qp.And((T("text", "a"), T("text", "b"))),
                                              T("text", "c")))
    assert qp.parse("a AND NOT b") == qp.And((T("text", "a"), qp.Not(T("text", "b"))))
    assert qp.parse("NOT a") == qp.And((qp.MatchAll(), qp.Not(T("text", "a"))))
    assert qp.parse("tags:(x OR y) && !groups:g") == qp.And((
        qp.Or((T("tags", "x"), T("tags", "y"))), qp.Not(T("groups", "g"))))
    assert qp.parse("(a OR b) c") == qp.And((qp.Or((T("text", "a"), T("text", "b"))),
                                             T("text", "c")))


def test_values_phrases_wildcards_escapes_boosts():
    assert qp.parse("*:*") == qp.MatchAll()
    assert qp.parse("extras_sdi:*") == qp.Exists("extras_sdi")
    assert qp.parse('title:"jumlah penduduk"') == T("title", "jumlah penduduk", phrase=True)
    assert qp.parse("name:jumlah-pen*") == T("name", "jumlah-pen*", "jumlah-pen%")
    assert qp.parse(r"name:a\:b\*") == T("name", "a:b*", None)
    assert qp.parse("name:a_b?") == T("name", "a_b?", r"a\_b_")
    assert qp.parse("title:blitar^4") == T("title", "blitar")
    assert qp.parse("num_resources:{1 TO 5]") == qp.Range("num_resources", "1", "5",
                                                          False, True)


@pytest.mark.parametrize("bad", [
    "organization:(a OR b", "organization:a)", "a OR", "AND a", "title:", ":x",
    '"unterminated', "metadata_modified:[2020 TO", "title:blitar~2", "a ( )", "- a",
    "x:[a TO b TO c]",
])
def test_errors_are_loud(bad):
    with pytest.raises(SearchQueryError):
        qp.parse(bad)


def test_dismax_and_min_should_match():
    dq = qp.parse_dismax('penduduk +kota -miskin "kota blitar" OR x')
    assert [t.value for t in dq.optional] == ["penduduk", "kota blitar", "x"]
    assert [t.value for t in dq.required] == ["kota"]
    assert [t.value for t in dq.prohibited] == ["miskin"]
    mm = "2<-1 5<80%"  # CKAN's default
    assert [qp.min_should_match(mm, n) for n in range(1, 9)] == [1, 2, 2, 3, 4, 4, 5, 6]
    assert qp.min_should_match("100%", 3) == 3
    assert qp.min_should_match("1", 3) == 1
    with pytest.raises(SearchQueryError):
        qp.min_should_match("x<y", 3)


def test_date_math():
    now = datetime.datetime(2026, 11, 25, 11, 30, 15, tzinfo=datetime.timezone.utc)
    assert parse_date("NOW", now) == now
    assert parse_date("NOW/DAY", now) == now.replace(hour=0, minute=0, second=0)
    assert parse_date("NOW-1DAY", now) == now - datetime.timedelta(days=1)
    assert parse_date("NOW-1MONTH/DAY", now) == datetime.datetime(
        2026, 10, 25, tzinfo=datetime.timezone.utc)
    assert parse_date("2026-11-25T11:00:26.965704Z", now) == datetime.datetime(
        2026, 11, 25, 11, 0, 26, 965704, tzinfo=datetime.timezone.utc)
    assert parse_date("2020-01-01T00:00:00Z+1YEAR", now).year == 2021
    for bad in ("yesterday", "NOW-1FORTNIGHT", "2020-13-45T00:00:00Z"):
        with pytest.raises(SearchQueryError):
            parse_date(bad, now)
