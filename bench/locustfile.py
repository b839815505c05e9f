"""Load scenario of the portal (locust): 80 % public visitors, 15 % OPD producers, 5 % Walidata.

Run through ``bin/satudata bench load`` (``bench/load_test.py`` starts the portal like
``bin/satudata up`` — gunicorn with 2 workers and 1 supervised job worker — prepares the
users' API tokens and a pool of submitted datasets, runs this file headless and checks the
figures). ``SATUDATA_LOAD_SETUP`` names the JSON file the runner wrote.

- Visitors (anonymous): home page, dataset search pages and API searches, dataset and
  organization pages, downloads of published files.
- Producers (API token of an OPD's *produsen*): edit their drafts (``package_patch``),
  upload CSV files to them (``resource_create`` with a file: the data check runs on the job
  worker), open their dataset pages and *Dataset Saya*, and submit again what the Walidata
  returned.
- Walidata: open the queue, verify what is submitted and return what is verified (with a
  reason), so the pool keeps cycling with the producers' resubmissions.

A transition refused because another user changed the state first (HTTP 409 or a
``ValidationError`` naming the state) is the expected answer of a race, counted under its
own name ("… (conflict)") and not as an error; any other non-2xx answer is an error.
"""
from __future__ import annotations

import json
import os
import random
from typing import Any

from locust import HttpUser, between, task

with open(os.environ["SATUDATA_LOAD_SETUP"], encoding="utf-8") as _f:
    SETUP: dict[str, Any] = json.load(_f)

WORDS = ("penduduk kesehatan sekolah anggaran air bersih umkm pajak stunting banjir "
         "kelurahan kecamatan guru puskesmas imunisasi").split()
CSV = SETUP["csv"]


def _conflict(resp: Any) -> bool:
    if resp.status_code == 409:
        return True
    try:
        error = resp.json().get("error") or {}
    except ValueError:
        return False
    return resp.status_code == 400 and error.get("__type") == "Validation Error" and (
        "state" in error or "id" in error)


class Visitor(HttpUser):
    weight = 16  # 80 %
    wait_time = between(0.5, 2.0)

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="GET /")

    @task(4)
    def search_page(self) -> None:
        self.client.get(f"/dataset/?q={random.choice(WORDS)}", name="GET /dataset/?q=")

    @task(4)
    def search_api(self) -> None:
        self.client.get("/api/3/action/package_search", name="API package_search", params={
            "q": random.choice(WORDS), "rows": 20,
            "facet.field": '["organization","groups","tags","res_format"]'})

    @task(4)
    def dataset_page(self) -> None:
        self.client.get(f"/dataset/{random.choice(SETUP['published'])}",
                        name="GET /dataset/<name>")

    @task(2)
    def organization_page(self) -> None:
        self.client.get(f"/organization/{random.choice(SETUP['organizations'])}",
                        name="GET /organization/<name>")

    @task(2)
    def download(self) -> None:
        self.client.get(random.choice(SETUP["downloads"]), name="GET resource download")


class Producer(HttpUser):
    weight = 3  # 15 %
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.org = random.choice(list(SETUP["producers"]))
        self.client.headers["Authorization"] = SETUP["producers"][self.org]["token"]
        self.drafts = SETUP["producers"][self.org]["drafts"]

    def _action(self, action: str, name: str, **kwargs: Any) -> Any:
        with self.client.post(f"/api/3/action/{action}", name=name, catch_response=True,
                              **kwargs) as resp:
            if resp.ok:
                resp.success()
            elif _conflict(resp):
                resp.request_meta["name"] = f"{name} (conflict)"
                resp.success()
            else:
                resp.failure(f"{resp.status_code}: {resp.text[:200]}")
            return resp

    @task(4)
    def edit_draft(self) -> None:
        self._action("package_patch", "API package_patch (draft)", json={
            "id": random.choice(self.drafts),
            "notes": "Catatan diperbarui: " + " ".join(random.sample(WORDS, 6))})

    @task(2)
    def upload(self) -> None:
        self._action("resource_create", "API resource_create (upload CSV)", data={
            "package_id": random.choice(self.drafts), "name": "Tabel unggahan",
            "format": "CSV"}, files={"upload": ("tabel.csv", CSV.encode("utf-8"), "text/csv")})

    @task(2)
    def my_datasets(self) -> None:
        self.client.get("/satudata/dataset-saya", name="GET /satudata/dataset-saya")

    @task(2)
    def own_dataset_page(self) -> None:
        self.client.get(f"/dataset/{random.choice(self.drafts)}", name="GET /dataset/<draft>")

    @task(2)
    def resubmit(self) -> None:
        pool = SETUP["pool"].get(self.org) or []
        if pool:
            self._action("satudata_dataset_submit", "API satudata_dataset_submit",
                         json={"id": random.choice(pool), "note": "Sudah diperbaiki."})


class Walidata(HttpUser):
    weight = 1  # 5 %
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = SETUP["walidata"]
        self.pool = [d for ids in SETUP["pool"].values() for d in ids]

    def _transition(self, transition: str, **data: Any) -> None:
        name = f"API satudata_dataset_{transition}"
        with self.client.post(f"/api/3/action/satudata_dataset_{transition}", name=name,
                              json=data, catch_response=True) as resp:
            if resp.ok:
                resp.success()
            elif _conflict(resp):
                resp.request_meta["name"] = f"{name} (conflict)"
                resp.success()
            else:
                resp.failure(f"{resp.status_code}: {resp.text[:200]}")

    @task(2)
    def queue(self) -> None:
        self.client.get("/satudata/antrean", name="GET /satudata/antrean")

    @task(3)
    def step(self) -> None:
        pkg = random.choice(self.pool)
        status = self.client.get("/api/3/action/satudata_dataset_status_show",
                                 params={"id": pkg}, name="API satudata_dataset_status_show")
        state = status.json().get("result", {}).get("state") if status.ok else None
        if state == "submitted":
            self._transition("verify", id=pkg, note="Sesuai standar data.")
        elif state == "verified":
            self._transition("return", id=pkg, reason_category="data_tidak_valid",
                             reason="Periksa kembali angka kecamatan lalu ajukan ulang.")
