import pytest

import ckan.plugins as p


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_plugins_loaded():
    assert p.plugin_loaded("satudata_blitar")
    assert p.plugin_loaded("satudata_search")
