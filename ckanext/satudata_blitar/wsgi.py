"""The portal as a WSGI application for gunicorn (``bin/satudata up``, ``deploy/``).

``gunicorn 'ckanext.satudata_blitar.wsgi:create_app()'`` with ``CKAN_INI`` naming the config.
It is CKAN's own application (``make_app``, as in CKAN's documented ``wsgi.py``), with its
static files answered in front of it by WhiteNoise, so that a stylesheet never walks through
CKAN's request handling (user lookup, database session):

- ``/webassets/…``: the bundles ``ckan asset build`` wrote (``ckan.webassets.path``). Their
  names carry a content hash (``base/8a1b2c3d_main.css``), so they are sent with
  ``Cache-Control: max-age=31536000, immutable``, gzipped when a ``.gz`` sits beside them
  (``python -m whitenoise.compress``, which ``bin/satudata up`` runs after the build).
- CKAN's and the plugins' public folders (``/base/…``, ``/satudata/…``) with
  ``max-age`` :data:`STATIC_MAX_AGE`, ETag and ``Last-Modified`` (their names are not versioned).

Uploads (``ckan.storage_path``) are not static files here: CKAN serves them through its
permission checks. Behind nginx, ``deploy/nginx.conf`` serves the same folders itself.
"""
from __future__ import annotations

import os
import re
from logging.config import fileConfig
from typing import Any

from whitenoise import WhiteNoise

#: seconds a browser or proxy may keep an unversioned static file (images, fonts, vendor files)
STATIC_MAX_AGE = 24 * 3600
_VERSIONED = re.compile(r"/[0-9a-f]{8}_[^/]+$")


def public_folders() -> list[str]:
    """CKAN's static folders in CKAN's order of precedence (first wins), uploads excluded."""
    import ckan
    from ckan.common import config

    extra = [p.strip() for p in (config.get("extra_public_paths") or "").split(",") if p.strip()]
    core = os.path.join(os.path.dirname(ckan.__file__), config.get("ckan.base_public_folder"))
    return extra + list(config.get("plugin_public_paths", [])) + [core]


def with_static_files(app: Any) -> WhiteNoise:
    """Wrap the CKAN application so that its static files are answered before it."""
    from ckan.common import config
    from ckan.lib.webassets_tools import get_webassets_path

    webassets_url = config["ckan.webassets.url"].rstrip("/") + "/"

    def immutable(path: str, url: str) -> bool:
        return url.startswith(webassets_url) and bool(_VERSIONED.search(url))

    static = WhiteNoise(app, max_age=STATIC_MAX_AGE, immutable_file_test=immutable)
    # WhiteNoise lets a later folder win; CKAN lets the first one win: add them in reverse
    for folder in reversed(public_folders()):
        if os.path.isdir(folder):
            static.add_files(folder, prefix="/")
    webassets = get_webassets_path()
    if webassets and os.path.isdir(webassets):
        static.add_files(webassets, prefix=webassets_url)
    return static


def create_app(ini_path: str | None = None) -> WhiteNoise:
    """The application for the config file ``ini_path`` (default: ``$CKAN_INI``)."""
    from ckan.cli import CKANConfigLoader
    from ckan.config.middleware import make_app

    path = os.path.abspath(ini_path or os.environ["CKAN_INI"])
    fileConfig(path, disable_existing_loggers=False)
    return with_static_files(make_app(CKANConfigLoader(path).get_config()))
