"""ckanext-satudata_blitar: the SOP of Satu Data Kota Blitar as a CKAN 2.11 extension."""
import glob
import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """Compile i18n/*/LC_MESSAGES/*.po into .mo files so a plain ``pip install .`` ships them."""

    def run(self):
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in glob.glob(os.path.join("i18n", "*", "LC_MESSAGES", "*.po")):
            with open(po_path, "rb") as po_file:
                catalog = read_po(po_file)
            with open(po_path[:-3] + ".mo", "wb") as mo_file:
                write_mo(mo_file, catalog)
        super().run()


PACKAGES = [
    "ckanext.satudata_blitar",
    "ckanext.satudata_blitar.cli",
    "ckanext.satudata_blitar.harvest",
    "ckanext.satudata_blitar.logic",
    "ckanext.satudata_blitar.logic.action",
    "ckanext.satudata_blitar.logic.auth",
    "ckanext.satudata_blitar.model",
    "ckanext.satudata_blitar.notify",
    "ckanext.satudata_blitar.records",
    "ckanext.satudata_blitar.search",
    "ckanext.satudata_blitar.checks",
    "ckanext.satudata_blitar.report",
    "ckanext.satudata_blitar.views",
    # The design card keeps schemas/ and i18n/ at the repository root; they are
    # shipped inside the package so that a plain (non-editable) `pip install .`
    # still finds `ckanext.satudata_blitar.schemas:dataset.yaml` and the catalogs.
    "ckanext.satudata_blitar.schemas",
    "ckanext.satudata_blitar.i18n",
]

setup(
    name="ckanext-satudata_blitar",
    version="0.1.0",
    description="Satu Data Kota Blitar: SOP lifecycle, SDI checks and embedded search for CKAN 2.11",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    python_requires=">=3.11",
    packages=PACKAGES,
    package_dir={
        "ckanext.satudata_blitar.schemas": "schemas",
        "ckanext.satudata_blitar.i18n": "i18n",
    },
    include_package_data=False,
    package_data={
        "ckanext.satudata_blitar": [
            "config_declaration.yaml",
            "templates/**/*",
            "overrides/templates/**/*",
            "assets/**/*",
            "public/**/*",
            "migration/satudata_blitar/*",
            "migration/satudata_blitar/versions/*.py",
            "migration/satudata_search/*",
            "migration/satudata_search/versions/*.py",
        ],
        "ckanext.satudata_blitar.schemas": ["*.yaml", "*.json", "*.csv", "standards/*.json", "reference/*"],
        "ckanext.satudata_blitar.i18n": ["*.pot", "*/LC_MESSAGES/*.po", "*/LC_MESSAGES/*.mo"],
    },
    cmdclass={"build_py": BuildWithCatalogs},
    entry_points={
        "ckan.plugins": [
            "satudata_blitar = ckanext.satudata_blitar.plugin:SatudataBlitarPlugin",
            "satudata_search = ckanext.satudata_blitar.search.plugin:SatudataSearchPlugin",
            "satudata_harvest = ckanext.satudata_blitar.harvest.plugin:SatudataHarvestPlugin",
        ],
        "ckan.rdf.profiles": [
            "satudata_sdi = ckanext.satudata_blitar.harvest.dcat:SatudataSDIProfile",
        ],
        "babel.extractors": [
            "ckan = ckan.lib.extract:extract_ckan",
        ],
    },
    message_extractors={
        "ckanext": [
            ("**.py", "python", None),
            ("**.js", "javascript", None),
            ("**/templates/**.html", "ckan", None),
        ],
    },
)
