"""Permission labels: a user sees exactly the private datasets CKAN lets them see."""
from __future__ import annotations

from typing import Any, Optional

import pytest

from ckan.tests import factories, helpers


def names(result: dict[str, Any]) -> set[str]:
    return {r["name"] for r in result["results"]}


def search_as(user: Optional[str], **kw: Any) -> dict[str, Any]:
    context = {"user": user or "", "ignore_auth": False}
    return helpers.call_action("package_search", context=context, **kw)


PUBLIC = {"jumlah-penduduk-2023", "angka-kematian-ibu", "jumlah-sekolah-dasar"}
FACETS = {"facet.field": '["organization", "tags"]'}


@pytest.mark.ckan_config("ckan.plugins", "satudata_search")
@pytest.mark.usefixtures("with_plugins")
class TestDefaultLabels:
    def test_anonymous_never_sees_private(self, corpus):
        res = search_as(None, include_private=True, **FACETS)
        assert names(res) == PUBLIC
        assert res["facets"]["organization"]["dinkes"] == 1
        assert res["facets"]["tags"]["kesehatan"] == 1

    def test_member_sees_their_organizations_private(self, corpus):
        res = search_as("anggota_dinkes", include_private=True, **FACETS)
        assert names(res) == PUBLIC | {"cakupan-imunisasi"}
        assert res["count"] == 4
        assert res["facets"]["organization"]["dinkes"] == 2
        assert res["facets"]["tags"]["kesehatan"] == 2
        # without include_private the member gets public datasets only
        assert names(search_as("anggota_dinkes")) == PUBLIC

    def test_outsider_does_not(self, corpus):
        res = search_as("warga", include_private=True, q="imunisasi", **FACETS)
        assert res["count"] == 0 and res["results"] == []
        assert res["facets"]["organization"] == {}

    def test_sysadmin_sees_all(self, corpus):
        res = search_as(corpus["sysadmin"]["name"], include_private=True,
                        include_drafts=True, **FACETS)
        assert names(res) == PUBLIC | {"cakupan-imunisasi", "penduduk-miskin"}

    def test_drafts_only_for_their_creator(self, corpus):
        assert names(search_as("warga", include_drafts=True)) == PUBLIC
        assert "penduduk-miskin" in names(
            search_as(corpus["sysadmin"]["name"], include_drafts=True))

    def test_through_the_api_with_a_token(self, app, corpus):
        user = factories.UserWithToken()
        helpers.call_action("organization_member_create", id="dinkes",
                            username=user["name"], role="member")
        url = "/api/3/action/package_search"
        params = {"include_private": "true", "fq": "organization:dinkes"}
        res = app.get(url, query_string=params,
                      headers={"Authorization": user["token"]})
        assert {r["name"] for r in res.json["result"]["results"]} == {
            "angka-kematian-ibu", "cakupan-imunisasi"}
        res = app.get(url, query_string=params)
        assert {r["name"] for r in res.json["result"]["results"]} == {
            "angka-kematian-ibu"}


@pytest.mark.ckan_config("ckan.plugins", "satudata_search example_ipermissionlabels")
@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_any_ipermissionlabels_plugin_is_honoured():
    """CKAN's example plugin hides *public* datasets whose notes start with
    "Proposed:" from everyone but their creator and the organisation's admins."""
    creator = factories.User(name="pembuat")
    admin = factories.User(name="admin_opd")
    member = factories.User(name="anggota")
    org = factories.Organization(name="opd", users=[
        {"name": creator["name"], "capacity": "editor"},
        {"name": admin["name"], "capacity": "admin"},
        {"name": member["name"], "capacity": "member"}])
    context = {"user": creator["name"]}
    for name, notes in (("usulan", "Proposed: data baru"), ("terbit", "Data terbit")):
        helpers.call_action("package_create", context=dict(context), name=name,
                            notes=notes, owner_org=org["id"])

    facets = {"facet.field": '["organization"]'}
    anon = search_as(None, **facets)
    assert names(anon) == {"terbit"}
    assert anon["facets"]["organization"] == {"opd": 1}
    assert names(search_as("anggota", include_private=True)) == {"terbit"}
    for user in ("pembuat", "admin_opd"):
        res = search_as(user, **facets)
        assert names(res) == {"terbit", "usulan"}
        assert res["facets"]["organization"] == {"opd": 2}
