"""gunicorn settings for ESOF app servers: `gunicorn -c gunicorn.conf.py` (or just `gunicorn`,
which reads this file from the working directory). Every value can be overridden by an
environment variable; docs/DEPLOYMENT.md explains the choices.
"""
from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def cpu_count() -> int:
    """CPUs this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(cpus: int) -> int:
    """gunicorn's rule of thumb for sync workers: 2 per CPU + 1, capped so that the
    connections of all app servers stay far below PostgreSQL's max_connections."""
    return min(2 * cpus + 1, 17)


wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: each request holds one worker and one database connection; the load
# balancer (or nginx) in front buffers slow clients. GUNICORN_THREADS > 1 switches to
# gthread workers, for many slow, mostly idle clients.
workers = _int("WEB_CONCURRENCY", default_workers(cpu_count()))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request that runs longer than this is killed (and the worker replaced); every page and
# feed answers in well under a second, so 30 s only catches a hang.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # SIGTERM: finish requests in flight
keepalive = _int("GUNICORN_KEEPALIVE", 5)  # longer than the balancer's idle probe

# Replace each worker after a while, so a slow leak cannot grow without bound.
# A worker takes ~1.5 s to start. Workers share the load evenly, so with a small jitter they
# all reach the limit together and the server stalls for that long (seen in bench/feeds.py);
# a jitter of half the limit spreads the restarts out.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 2)

# preload_app off: each worker builds its own app, so no database connection or Redis
# client made before fork() is ever shared between processes, and `kill -HUP` on the master
# loads new code into new workers without dropping connections. The app is small; the
# memory that preloading would share is not worth those risks.
preload_app = False

# Logs to stdout/stderr for the process manager (systemd, docker) to collect.
# The access log ends with the response time in milliseconds.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# The heartbeat files of workers on a RAM disk, where one exists (Docker's /tmp may be on
# an overlay file system that stalls under load).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# X-Forwarded-Proto is believed only from these addresses (gunicorn also reads
# FORWARDED_ALLOW_IPS itself). The app trusts X-Forwarded-For through ESOF_PROXY_HOPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "esof"
