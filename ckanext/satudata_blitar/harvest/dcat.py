"""DCAT output of Satu Data Kota Blitar for harvesters (ckanext-dcat 2.4 profile ``satudata_sdi``).

The profile runs after ``euro_dcat_ap_3`` (``ckanext.dcat.rdf.profiles = euro_dcat_ap_3
satudata_sdi``) and adds what the SDI schema holds:

* frequency → ``dct:accrualPeriodicity`` (EU frequency authority URI instead of the local code),
* reference period → ``dct:temporal`` (``dct:PeriodOfTime`` with ``dcat:startDate``/``endDate``),
* area codes → ``dct:spatial`` (one ``dct:Location`` per code, Kemendagri and BPS notations),
* OPD → ``dct:publisher`` (the organization; kept from the base profile, typed and identified),
* contact → ``dcat:contactPoint`` (telephone added to the base profile's vCard),
* data standard and national SDS code → ``dct:conformsTo`` (``dct:Standard``),
* license → ``dct:license`` on the dataset, sectors (CKAN groups) → ``dcat:theme``,
* ``dct:identifier`` on every dataset (the CKAN id, stable across withdraw/republish),
* the national SDI catalogue's own names (``id_sds``, ``kodereferensi``, MS-Keg/MS-Ind fields,
  ``produsen_data_*`` …) as ``dct:<name>`` literals, the way katalog.data.go.id exposes them.

Every mapping is driven by the tables at the top of this module (:data:`NATIONAL_FIELDS`,
:data:`FREQUENCY_URIS`, :data:`SCHEMA_KEYS`): when a schema field is renamed, change one line.
The same tables feed ``/dcat.json`` (:func:`dcat_json_extra`), whose harvester in
ckanext-dcat 2.4.4 needs ``identifier`` on every dataset.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Iterable, Optional, Union

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

import ckan.plugins.toolkit as tk
from ckanext.dcat.profiles.base import DCAT, DCT, FOAF, VCARD, RDFProfile
from ckanext.dcat.utils import dataset_uri
from ckanext.satudata_blitar import config

log = logging.getLogger(__name__)

DatasetDict = dict[str, Any]

#: The SDI schema's field names (schemas/dataset.yaml) used by the mapping, in one place.
SCHEMA_KEYS: dict[str, str] = {
    "frequency": "frequency",
    "period_start": "periode_referensi_mulai",
    "period_end": "periode_referensi_selesai",
    "areas": "cakupan_wilayah",
    "phone": "kontak_telepon",
    "standard": "standar_data",
    "sds_code": "id_sds",
    "daftar_data": "daftar_data_item",
    "ms_keg": "ms_keg",
    "ms_ind": "ms_ind",
}

EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
#: local frequency codes (BPS MS-Keg ``frekuensi``) → EU frequency authority
FREQUENCY_URIS: dict[str, str] = {
    "harian": EU_FREQUENCY + "DAILY",
    "mingguan": EU_FREQUENCY + "WEEKLY",
    "bulanan": EU_FREQUENCY + "MONTHLY",
    "triwulanan": EU_FREQUENCY + "QUARTERLY",
    "semesteran": EU_FREQUENCY + "ANNUAL_2",
    "tahunan": EU_FREQUENCY + "ANNUAL",
    "dua_tahunan": EU_FREQUENCY + "BIENNIAL",
    "lebih_dari_dua_tahunan": EU_FREQUENCY + "IRREG",
    "insidental": EU_FREQUENCY + "IRREG",
}


def _field(key: str) -> Callable[[DatasetDict], Any]:
    return lambda d: _value(d, key)


def _block(block: str, key: str) -> Callable[[DatasetDict], Any]:
    """Values of one subfield across the entries of a repeating MS-Keg/MS-Ind block."""
    def get(d: DatasetDict) -> Any:
        values = [str(item.get(key)).strip() for item in _repeating(d, SCHEMA_KEYS[block])
                  if item.get(key) not in (None, "")]
        return "; ".join(dict.fromkeys(values)) or None
    return get


def _organization_title(d: DatasetDict) -> Optional[str]:
    org = d.get("organization") or {}
    return org.get("title") or org.get("name")


def _region_code() -> str:
    return config.region_code()


#: national SDI catalogue name → how to read it from a ``package_show`` dict.
#: These become ``dct:<name>`` literals in RDF and flat keys in ``/dcat.json``.
NATIONAL_FIELDS: dict[str, Callable[[DatasetDict], Any]] = {
    "id_sds": _field(SCHEMA_KEYS["sds_code"]),
    "kodereferensi": _field(SCHEMA_KEYS["daftar_data"]),
    "id_mskeg": _block("ms_keg", "id_mskeg"),
    "id_msind": _block("ms_ind", "id_msind"),
    "satuan": _field("satuan"),
    "ukuran": _field("ukuran"),
    "konsep": _field("konsep"),
    "definisi": _field("definisi"),
    "klasifikasi": _field("klasifikasi"),
    "sumber_data": _field("sumber_data"),
    "interpretasi": _block("ms_ind", "interpretasi"),
    "metode_perhitungan": _block("ms_ind", "metode_perhitungan"),
    "rumus": _block("ms_ind", "rumus"),
    "level_estimasi": _block("ms_ind", "level_estimasi"),
    "judul_kegiatan": _block("ms_keg", "judul_kegiatan"),
    "tahun_kegiatan": _block("ms_keg", "tahun"),
    "jenis_statistik": _block("ms_keg", "jenis_statistik"),
    "cara_pengumpulan_data": lambda d: (_value(d, "cara_pengumpulan_data")
                                        or _block("ms_keg", "cara_pengumpulan_data")(d)),
    "sektor_kegiatan": _block("ms_keg", "sektor_kegiatan"),
    "instansi_penyelenggara": _block("ms_keg", "instansi_penyelenggara"),
    "tipe_pengumpulan_data": _block("ms_keg", "tipe_pengumpulan_data"),
    "metode_pengumpulan_data": _block("ms_keg", "metode_pengumpulan_data"),
    "unit_pengumpulan_data": _block("ms_keg", "unit_pengumpulan_data"),
    "tingkat_penyajian": _block("ms_keg", "tingkat_penyajian"),
    "frequency": _field(SCHEMA_KEYS["frequency"]),
    "produsen_data_name": _organization_title,
    "produsen_data_province_code": lambda d: _region_code().split(".")[0],
    "produsen_data_city_code": lambda d: _region_code().replace(".", ""),
    # Only published datasets ever reach a harvester (see docs/harvesters.md).
    "publishing_status": lambda d: "approved",
}


# -- reading a package dict ---------------------------------------------------------------------
def _value(d: DatasetDict, key: str) -> Any:
    """A top-level field (scheming) or an extra (plain CKAN), ``None`` when empty."""
    value = d.get(key)
    if value in (None, "", []):
        for extra in d.get("extras") or []:
            if extra.get("key") == key:
                value = extra.get("value")
                break
    return None if value in (None, "", []) else value


def _repeating(d: DatasetDict, key: str) -> list[dict[str, Any]]:
    """Entries of a repeating-subfields block (a list, or JSON text when stored as an extra)."""
    value = _value(d, key)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _as_list(value: Any) -> list[str]:
    """Multiple-select values: a list, JSON text or a comma separated string."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                value = text.strip("[]").split(",")
        else:
            value = text.split(",")
    if not isinstance(value, (list, tuple)):
        value = [value]
    return [str(v).strip().strip('"') for v in value if str(v).strip()]


def national_fields(d: DatasetDict) -> dict[str, str]:
    """The national catalogue's flat fields this dataset has values for."""
    out: dict[str, str] = {}
    for name, getter in NATIONAL_FIELDS.items():
        try:
            value = getter(d)
        except Exception:  # noqa: BLE001 - one odd field must not break a whole catalog
            log.exception("DCAT: could not read %s of %s", name, d.get("name"))
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        if value not in (None, ""):
            out[name] = str(value)
    return out


def _site_url() -> str:
    return str(tk.config.get("ckan.site_url") or "").rstrip("/")


def standard_info(name: str) -> dict[str, Any]:
    """Title and national code of a data standard by name (the registry when available)."""
    try:
        from ckanext.satudata_blitar.checks.standards import get_standard  # noqa: PLC0415
        standard = get_standard(name) or {}
    except Exception:  # noqa: BLE001 - the registry is optional for the DCAT output
        standard = {}
    if not isinstance(standard, dict):
        standard = {}
    return {"name": name, "title": standard.get("title") or name,
            "id_sds": standard.get("id_sds") or standard.get("sds_code")}


def area_info(code: str) -> dict[str, Any]:
    """Name, level and both codes of an area (the shipped reference list)."""
    try:
        from ckanext.satudata_blitar.checks.reference import load_reference  # noqa: PLC0415
        area, _system = load_reference().lookup(code)
    except Exception:  # noqa: BLE001 - unknown codes are still published as notations
        area = None
    if area is None:
        return {"code": code, "name": None, "level": None, "bps": None, "kemendagri": code}
    return {"code": code, "name": area.name, "level": area.level, "bps": area.bps or None,
            "kemendagri": area.kemendagri}


def dcat_json_extra(d: DatasetDict) -> dict[str, Any]:
    """Keys added to a ``/dcat.json`` dataset: identifier, URI and the SDI fields."""
    extra: dict[str, Any] = {"identifier": d.get("id"), "uri": dataset_uri(d)}
    extra.update(national_fields(d))
    frequency = _value(d, SCHEMA_KEYS["frequency"])
    if frequency:
        extra["accrualPeriodicity"] = FREQUENCY_URIS.get(frequency, frequency)
    temporal = _temporal(d)
    if temporal:
        extra["temporal"] = f"{temporal[0]}/{temporal[1]}"
    areas = _as_list(_value(d, SCHEMA_KEYS["areas"]))
    if areas:
        extra["spatial"] = areas
    if d.get("license_url") or d.get("license_id"):
        extra["license"] = d.get("license_url") or d.get("license_id")
    themes = [g.get("title") or g.get("name") for g in d.get("groups") or []]
    if themes:
        extra["theme"] = themes
    standard = _value(d, SCHEMA_KEYS["standard"])
    if standard:
        extra["conformsTo"] = standard_info(standard)["title"]
    contact = {"fn": _value(d, "maintainer"), "hasEmail": _value(d, "maintainer_email"),
               "hasTelephone": _value(d, SCHEMA_KEYS["phone"])}
    if any(contact.values()):
        extra["contactPoint"] = {k: v for k, v in contact.items() if v}
    org = d.get("organization") or {}
    if org:
        extra["publisher"] = {"name": org.get("title") or org.get("name"),
                              "identifier": f"{_site_url()}/organization/{org.get('name')}"}
    return extra


def _year(value: Any) -> Optional[int]:
    try:
        year = int(str(value).strip()[:4])
    except (TypeError, ValueError):
        return None
    return year if 1000 <= year <= 9999 else None


def _temporal(d: DatasetDict) -> Optional[tuple[str, str]]:
    """The reference period as ISO dates (whole years), ``None`` when unknown."""
    start = _year(_value(d, SCHEMA_KEYS["period_start"]))
    end = _year(_value(d, SCHEMA_KEYS["period_end"])) or start
    if start is None:
        return None
    return f"{start}-01-01", f"{end}-12-31"


# -- the profile --------------------------------------------------------------------------------
class SatudataSDIProfile(RDFProfile):
    """SDI metadata of Satu Data Kota Blitar on top of DCAT-AP 3 (see module docstring)."""

    def graph_from_dataset(self, dataset_dict: DatasetDict, dataset_ref: URIRef) -> None:
        """Add the SDI mapping to the graph of one dataset."""
        g = self.g
        g.bind("dct", DCT)
        g.bind("dcat", DCAT)
        # dct:identifier on every dataset: the stable CKAN id (kept on withdraw/republish)
        if not any(g.objects(dataset_ref, DCT.identifier)):
            g.add((dataset_ref, DCT.identifier, Literal(dataset_dict["id"])))
        self._frequency(dataset_dict, dataset_ref)
        self._reference_period(dataset_dict, dataset_ref)
        self._areas(dataset_dict, dataset_ref)
        self._publisher(dataset_dict, dataset_ref)
        self._contact(dataset_dict, dataset_ref)
        self._standards(dataset_dict, dataset_ref)
        self._license(dataset_dict, dataset_ref)
        self._themes(dataset_dict, dataset_ref)
        for name, value in national_fields(dataset_dict).items():
            g.add((dataset_ref, DCT[name], Literal(value)))

    def graph_from_catalog(self, catalog_dict: DatasetDict, catalog_ref: URIRef) -> None:
        """Name the portal's operator as the catalog's publisher."""
        g = self.g
        if not any(g.objects(catalog_ref, DCT.publisher)):
            publisher = BNode()
            g.add((publisher, RDF.type, FOAF.Agent))
            g.add((publisher, FOAF.name, Literal(
                tk.config.get("ckan.site_title") or "Satu Data Kota Blitar")))
            g.add((catalog_ref, DCT.publisher, publisher))
        g.add((catalog_ref, DCT.spatial, self._location(_region_code())))

    def parse_dataset(self, dataset_dict: DatasetDict, dataset_ref: URIRef) -> DatasetDict:
        """Read the national fields back (a harvester of this portal's RDF keeps them)."""
        extras = dataset_dict.setdefault("extras", [])
        known = {e.get("key") for e in extras}
        for name in NATIONAL_FIELDS:
            value = self._object_value(dataset_ref, DCT[name])
            if value and name not in known:
                extras.append({"key": name, "value": value})
        return dataset_dict

    # -- pieces ---------------------------------------------------------------------------------
    def _replace(self, subject: Union[URIRef, BNode], predicate: URIRef,
                 objects: Iterable[Any]) -> None:
        self.g.remove((subject, predicate, None))
        for obj in objects:
            self.g.add((subject, predicate, obj))

    def _frequency(self, d: DatasetDict, ref: URIRef) -> None:
        code = _value(d, SCHEMA_KEYS["frequency"])
        if not code:
            return
        uri = FREQUENCY_URIS.get(str(code))
        if uri:
            self._replace(ref, DCT.accrualPeriodicity, [URIRef(uri)])
            self.g.add((URIRef(uri), RDF.type, DCT.Frequency))
            self.g.add((URIRef(uri), SKOS.notation, Literal(code)))

    def _reference_period(self, d: DatasetDict, ref: URIRef) -> None:
        period = _temporal(d)
        if not period:
            return
        node = BNode()
        self.g.add((node, RDF.type, DCT.PeriodOfTime))
        self.g.add((node, DCAT.startDate, Literal(period[0], datatype=XSD.date)))
        self.g.add((node, DCAT.endDate, Literal(period[1], datatype=XSD.date)))
        self.g.add((ref, DCT.temporal, node))

    def _location(self, code: str) -> BNode:
        info = area_info(code)
        node = BNode()
        self.g.add((node, RDF.type, DCT.Location))
        self.g.add((node, DCT.identifier, Literal(info["kemendagri"])))
        self.g.add((node, SKOS.notation, Literal(info["kemendagri"])))
        if info["bps"]:
            self.g.add((node, SKOS.altLabel, Literal(f"BPS {info['bps']}")))
        if info["name"]:
            prefix = {"kecamatan": "Kecamatan ", "kelurahan": "Kelurahan "}.get(info["level"], "")
            self.g.add((node, SKOS.prefLabel, Literal(prefix + info["name"], lang="id")))
        return node

    def _areas(self, d: DatasetDict, ref: URIRef) -> None:
        for code in _as_list(_value(d, SCHEMA_KEYS["areas"])):
            self.g.add((ref, DCT.spatial, self._location(code)))

    def _publisher(self, d: DatasetDict, ref: URIRef) -> None:
        org = d.get("organization") or {}
        if not org:
            return
        for publisher in self.g.objects(ref, DCT.publisher):
            self.g.add((publisher, DCT.identifier, Literal(org.get("name"))))
            self.g.add((publisher, FOAF.homepage,
                        URIRef(f"{_site_url()}/organization/{org.get('name')}")))
            if not any(self.g.objects(publisher, FOAF.name)):
                self.g.add((publisher, FOAF.name, Literal(org.get("title") or org.get("name"))))

    def _contact(self, d: DatasetDict, ref: URIRef) -> None:
        phone = _value(d, SCHEMA_KEYS["phone"])
        if not phone:
            return
        contacts = list(self.g.objects(ref, DCAT.contactPoint))
        if not contacts:
            node = BNode()
            self.g.add((node, RDF.type, VCARD.Organization))
            self.g.add((ref, DCAT.contactPoint, node))
            contacts = [node]
        tel = "tel:" + "".join(ch for ch in str(phone) if ch.isdigit() or ch == "+")
        for contact in contacts:
            self.g.add((contact, VCARD.hasTelephone, URIRef(tel)))

    def _standards(self, d: DatasetDict, ref: URIRef) -> None:
        standard = _value(d, SCHEMA_KEYS["standard"])
        sds = _value(d, SCHEMA_KEYS["sds_code"])
        if standard:
            info = standard_info(str(standard))
            node = URIRef(f"{_site_url()}/satudata/standar/{info['name']}")
            self.g.add((ref, DCT.conformsTo, node))
            self.g.add((node, RDF.type, DCT.Standard))
            self.g.add((node, DCT.title, Literal(info["title"], lang="id")))
            self.g.add((node, DCT.identifier, Literal(info["name"])))
            sds = sds or info["id_sds"]
        if sds:
            node = BNode()
            self.g.add((ref, DCT.conformsTo, node))
            self.g.add((node, RDF.type, DCT.Standard))
            self.g.add((node, DCT.identifier, Literal(str(sds))))
            self.g.add((node, DCT.title, Literal(f"Standar Data Statistik {sds}", lang="id")))

    def _license(self, d: DatasetDict, ref: URIRef) -> None:
        url = d.get("license_url")
        if url and not any(self.g.objects(ref, DCT.license)):
            self.g.add((ref, DCT.license, URIRef(url)))
            self.g.add((URIRef(url), RDF.type, DCT.LicenseDocument))
            if d.get("license_title"):
                self.g.add((URIRef(url), DCT.title, Literal(d["license_title"])))

    def _themes(self, d: DatasetDict, ref: URIRef) -> None:
        for group in d.get("groups") or []:
            uri = URIRef(f"{_site_url()}/group/{group.get('name')}")
            self.g.add((ref, DCAT.theme, uri))
            self.g.add((uri, RDF.type, SKOS.Concept))
            self.g.add((uri, SKOS.prefLabel, Literal(group.get("title") or group.get("name"),
                                                      lang="id")))
