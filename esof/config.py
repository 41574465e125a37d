"""Settings: defaults here, then instance/config.py, then environment variables.

The factory applies them in that order, so an operator can override anything with an
environment variable and a developer can keep local tweaks in instance/config.py.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from esof import conference


class DefaultConfig:
    ESOF_ENV = "development"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by the factory (SQLite in instance/)
    # Dead connections are caught at checkout by esof/db_events.py, not by pool_pre_ping.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    # PostgreSQL: no statement waits longer than this for a lock; it fails, and the places
    # that take row locks (bookings, registration) answer "busy, try again". Migrations
    # lift it for their own connection.
    DATABASE_LOCK_TIMEOUT_MS = 5000
    # A different limit for booking transactions only (None: the database-wide one).
    BOOKING_LOCK_TIMEOUT_MS: int | None = None
    ESOF_BASE_URL = "http://127.0.0.1:5000"
    CONFERENCE_TIMEZONE = conference.DEFAULT_TIMEZONE  # Europe/Amsterdam
    CONFERENCE_NAME = "ESOF 2022"

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = conference.DEFAULT_TIMEZONE
    LANGUAGES = ("en", "nl")

    REDIS_URL: str | None = None
    # Keys of the feed cache and stamps start with this: lets two sites share one Redis.
    REDIS_KEY_PREFIX = "esof:"
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_SIGNUP = "5 per minute;30 per hour"
    RATELIMIT_PASSWORD_RESET = "5 per minute;20 per hour"
    # Mails that anyone can make us send to an address (a sign-up with a known address, a
    # password-reset link), per address and kind, whatever the number of senders' IPs.
    RATELIMIT_MAIL_PER_ADDRESS = "3 per hour;10 per day"
    RATELIMIT_HEADERS_ENABLED = True

    # Argon2id; tests lower the cost so the suite stays fast.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_COST = 65536  # KiB
    PASSWORD_MIN_LENGTH = 10

    EMAIL_VERIFY_MAX_AGE = 48 * 3600
    PASSWORD_RESET_MAX_AGE = 3600
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "ESOF 2022 <no-reply@esof2022.example.org>"
    MAIL_MAX_ATTEMPTS = 12
    # How long a mail worker holds a message it is sending: longer than a hand-over (each SMTP
    # step times out after MAIL_TIMEOUT_SECONDS) plus the minute it keeps trying to record it
    # while the database is away; a worker killed mid-send delays that one message this long.
    MAIL_CLAIM_LEASE_SECONDS = 300
    MAIL_RETRY_BASE_SECONDS = 30
    # Deliver queued mail at the end of the request that queued it. Default: on in
    # development (no worker running), off elsewhere (run `flask send-mail --forever`).
    MAIL_SEND_INLINE: bool | None = None

    PRIVACY_STATEMENT_VERSION = "2022-01"

    # Rendered feeds are cached by what they depend on; off only to measure rendering.
    FEED_CACHE_ENABLED = True
    # Feeds read a change token (from Redis, else from a file) instead of the database; this
    # often (per process) they compare it with the database anyway, to catch writes made
    # outside the app.
    FEED_STAMP_RECHECK_SECONDS = 60.0
    # With Redis: how long a process reuses a feed's change token before asking Redis again,
    # so another server's publication reaches this server's feeds within this time.
    FEED_STAMP_MEMO_SECONDS = 1.0

    # City of Science side events: every date must fall in this year.
    SIDE_EVENTS_FESTIVAL_YEAR = conference.FESTIVAL_YEAR  # 2022

    # Invoices, receipts and credit notes (esof/registration/invoicing.py) and the bank
    # details on the registration page. Placeholders, not a real account: each site sets its
    # own (environment variables ESOF_INVOICE_* and ESOF_PAYMENT_*). Fees include VAT at
    # INVOICE_VAT_RATE percent; an EU VAT number of another country than the seller's gets 0 %
    # (reverse charge).
    INVOICE_SELLER_NAME = "Stichting ESOF 2022 Leiden"
    INVOICE_SELLER_ADDRESS = "Rapenburg 70\n2311 EZ Leiden\nNetherlands"
    INVOICE_SELLER_COUNTRY = "NL"
    INVOICE_SELLER_VAT_NUMBER = "NL000000000B01"
    INVOICE_VAT_RATE = "21"
    INVOICE_NUMBER_PREFIX = "ESOF2022-"
    CREDIT_NOTE_NUMBER_PREFIX = "ESOF2022-CN-"
    INVOICE_PAYMENT_DAYS = 30
    PAYMENT_ACCOUNT_HOLDER = "ESOF 2022 Leiden"
    PAYMENT_IBAN = "NL00 ESOF 0000 2022 00"
    PAYMENT_BIC = "ESOFNL2L"
    # Bank statements uploaded to mark registrations paid: larger files are refused.
    BANK_STATEMENT_MAX_BYTES = 2 * 1024 * 1024
    # No request body beyond this is read (413): the largest one the site takes is a bank
    # statement (above) in its form; a door's offline batch of 500 scans is far smaller.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    # Fonts for the letters DejaVu Sans lacks in the PDFs (Chinese, Japanese, Korean), from
    # Debian's fonts-droid-fallback; the first that has a letter draws it, and a path that does
    # not exist is skipped (its letters print as U+FFFD). Two files: the Full one has the rarer
    # Chinese characters but no Korean syllables (Debian bug 853921), the other has them.
    PDF_FALLBACK_FONTS: tuple[str, ...] = (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        "/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf",
    )


# Environment variable -> (config key, converter)
def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENT_SETTINGS: dict[str, tuple[str, Any]] = {
    "ESOF_ENV": ("ESOF_ENV", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "REDIS_URL": ("REDIS_URL", str),
    "REDIS_KEY_PREFIX": ("REDIS_KEY_PREFIX", str),
    "ESOF_BASE_URL": ("ESOF_BASE_URL", str),
    "CONFERENCE_TIMEZONE": ("CONFERENCE_TIMEZONE", str),
    "MAIL_SERVER": ("MAIL_SERVER", str),
    "MAIL_PORT": ("MAIL_PORT", int),
    "MAIL_USE_TLS": ("MAIL_USE_TLS", _bool),
    "MAIL_USERNAME": ("MAIL_USERNAME", str),
    "MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "MAIL_DEFAULT_SENDER": ("MAIL_DEFAULT_SENDER", str),
    "MAIL_CLAIM_LEASE_SECONDS": ("MAIL_CLAIM_LEASE_SECONDS", int),
    "ESOF_FEED_CACHE": ("FEED_CACHE_ENABLED", _bool),
    "ESOF_FEED_STAMP_RECHECK_SECONDS": ("FEED_STAMP_RECHECK_SECONDS", float),
    "ESOF_FEED_STAMP_MEMO_SECONDS": ("FEED_STAMP_MEMO_SECONDS", float),
    "ESOF_INVOICE_SELLER_NAME": ("INVOICE_SELLER_NAME", str),
    "ESOF_INVOICE_SELLER_ADDRESS": ("INVOICE_SELLER_ADDRESS", lambda v: v.replace("\\n", "\n")),
    "ESOF_INVOICE_SELLER_COUNTRY": ("INVOICE_SELLER_COUNTRY", str),
    "ESOF_INVOICE_SELLER_VAT_NUMBER": ("INVOICE_SELLER_VAT_NUMBER", str),
    "ESOF_INVOICE_VAT_RATE": ("INVOICE_VAT_RATE", str),
    "ESOF_INVOICE_NUMBER_PREFIX": ("INVOICE_NUMBER_PREFIX", str),
    "ESOF_CREDIT_NOTE_NUMBER_PREFIX": ("CREDIT_NOTE_NUMBER_PREFIX", str),
    "ESOF_INVOICE_PAYMENT_DAYS": ("INVOICE_PAYMENT_DAYS", int),
    "ESOF_PAYMENT_ACCOUNT_HOLDER": ("PAYMENT_ACCOUNT_HOLDER", str),
    "ESOF_PAYMENT_IBAN": ("PAYMENT_IBAN", str),
    "ESOF_PAYMENT_BIC": ("PAYMENT_BIC", str),
    "ESOF_BANK_STATEMENT_MAX_BYTES": ("BANK_STATEMENT_MAX_BYTES", int),
    "PDF_FALLBACK_FONTS": ("PDF_FALLBACK_FONTS", lambda v: tuple(p for p in v.split(os.pathsep) if p)),
}


def settings_from_environment(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for variable, (key, convert) in ENVIRONMENT_SETTINGS.items():
        value = environ.get(variable)
        if value not in (None, ""):
            found[key] = convert(value)
    return found


def normalise_database_url(url: str) -> str:
    """Let operators write postgres:// or postgresql:// and still get psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def development_secret_key(instance_path: Path) -> str:
    """A key generated once and kept in instance/ so sessions survive restarts locally."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


class ConfigurationError(RuntimeError):
    """The app refuses to start with settings that are unsafe or incomplete."""


def is_local_base_url(url: str) -> bool:
    """True for an address only this machine can open, or no address at all.

    Mails and calendar feeds carry links built on ESOF_BASE_URL; a delegate cannot follow
    a link to the development default or to localhost.
    """
    parts = urlsplit(url or "")
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        return True
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """What stops a production server from starting: each is a setting without which it
    would run but fail people quietly (forged sessions, dead links, mail nobody receives)."""
    problems = []
    if not config.get("SECRET_KEY"):
        problems.append("SECRET_KEY must be set in production (environment variable SECRET_KEY).")
    if is_local_base_url(config.get("ESOF_BASE_URL", "")):
        problems.append(
            f"ESOF_BASE_URL must be the public address of the site in production, such as "
            f"https://esof2022.example.org (links in mails and feeds use it); it is "
            f"{config.get('ESOF_BASE_URL')!r}."
        )
    if not config.get("MAIL_SERVER"):
        problems.append(
            "MAIL_SERVER must be set in production: without it mails are only written to "
            "instance/mail/ and nobody receives them. A server that must not send mail "
            "(a bench, a trial copy) runs with ESOF_ENV=staging instead."
        )
    return problems
