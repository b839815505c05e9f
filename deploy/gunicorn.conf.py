"""gunicorn settings of the portal (``bin/satudata up`` and ``deploy/satudata-web.service``).

Every value can be changed through the environment, so one file serves the demo and a
production host:

- ``SATUDATA_BIND``     address to listen on (default ``127.0.0.1:5000``)
- ``SATUDATA_WORKERS``  worker processes (default 2; about one per core plus one for I/O waits)
- ``SATUDATA_THREADS``  threads per worker (default 1: plain sync workers, as CKAN's uWSGI setup)
- ``SATUDATA_TIMEOUT``  seconds a request may take before its worker is replaced (default 120)

Workers load the application each on its own (no ``preload_app``): CKAN opens database and
Redis connections while it loads, and forked copies of one connection would be shared.
"""
import os


def _positive(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, not {value}")
    return value


wsgi_app = "ckanext.satudata_blitar.wsgi:create_app()"
bind = os.environ.get("SATUDATA_BIND", "127.0.0.1:5000")
workers = _positive("SATUDATA_WORKERS", 2)
threads = _positive("SATUDATA_THREADS", 1)
timeout = _positive("SATUDATA_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
# recycle a worker now and then (as CKAN's uWSGI config does with max-requests)
max_requests = 5000
max_requests_jitter = 500
# X-Forwarded-For/-Proto from the reverse proxy on this host only
forwarded_allow_ips = os.environ.get("SATUDATA_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("SATUDATA_ACCESS_LOG", "-")
errorlog = "-"
proc_name = "satudata-web"
# no runtime control socket (gunicorn 24+ opens one in ~/.gunicorn, shared by every instance)
control_socket_disable = True
