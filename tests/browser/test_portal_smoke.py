"""The first README command brings up a working portal: the pages a visitor opens first."""
import re

import pytest

pytestmark = pytest.mark.browser

PUBLISHED = "jumlah-penduduk-menurut-kelurahan-dan-jenis-kelamin-2025"
UNPUBLISHED = "jumlah-kepala-keluarga-menurut-kecamatan-2025"


def _ok(page, path):
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    return response


def test_home_page_is_indonesian_and_lists_the_portal(page):
    _ok(page, "/")
    assert "Satu Data Kota Blitar" in page.title()
    assert page.locator("html").get_attribute("lang") == "id"


def test_dataset_search_has_facets_and_shows_only_published(page):
    _ok(page, "/dataset/")
    body = page.content()
    assert PUBLISHED in body
    assert UNPUBLISHED not in body
    # facets: organizations, groups, tags, formats, licenses
    facets = page.locator("section.module-narrow-shadow, .filters section")
    assert facets.count() >= 4
    # CKAN's facet list shortens long labels; the full OPD name is the link's title
    assert page.locator('a[title="Dinas Kependudukan dan Pencatatan Sipil"]').count() == 1
    _ok(page, "/dataset/?q=penduduk&organization=dispendukcapil")
    assert PUBLISHED in page.content()


def test_organization_pages_show_opds_with_published_counts(page):
    _ok(page, "/organization/")
    for title in ("Dinas Kesehatan", "Dinas Pendidikan",
                  "Dinas Kependudukan dan Pencatatan Sipil"):
        assert page.get_by_text(title).first.is_visible()
    _ok(page, "/organization/dispendukcapil")
    text = page.locator("body").inner_text()
    assert PUBLISHED in page.content()
    assert UNPUBLISHED not in page.content()
    assert re.search(r"\b1\s+(dataset|Dataset)", text), text[:2000]
    _ok(page, "/group/")


def test_unpublished_dataset_is_not_found_for_visitors(page):
    response = page.goto(f"/dataset/{UNPUBLISHED}")
    assert response.status == 404
    _ok(page, f"/dataset/{PUBLISHED}")


def test_english_is_available(page):
    _ok(page, "/en/dataset/")
    assert page.locator("html").get_attribute("lang") == "en"
