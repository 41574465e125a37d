"""Screenshots of the main pages at 375 px and 1280 px into docs/screenshots/.

    .venv/bin/python -m tests.browser.screenshots [--out docs/screenshots]

Builds a fresh SQLite database from the migrations, loads the demo data (small size), serves
it on a free port and photographs each page with Debian's Chromium. The PNGs are reduced to
a 256-colour palette so the whole set stays a few hundred KB.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from tests.browser.harness import PHONE, ROOT, launch_chromium, missing_tools
from tests.browser.site import DELEGATE, DEMO_PASSWORD, DemoSite, demo_site

OUT = ROOT / "docs" / "screenshots"
PHONE_SHOT = {"width": PHONE["width"], "height": 812}
DESKTOP_SHOT = {"width": 1280, "height": 860}

ORGANISER = "organiser@example.org"
PARTNER = "partner1@example.org"  # writes in Dutch: her pages are in Dutch
DOOR_STAFF = "checkin@example.org"

# name -> (who is logged in or None, path from the site and the facts found in its database)
Path_ = Callable[[DemoSite, dict[str, Any]], str]
PAGES: dict[str, tuple[str | None, Path_]] = {
    "home": (None, lambda s, f: "/"),
    "programme": (None, lambda s, f: "/programme/"),
    "programme-grid": (None, lambda s, f: "/programme/grid"),
    "session": (None, lambda s, f: f"/programme/sessions/{s.booking_session_id}"),
    "calendar-month": (None, lambda s, f: "/calendar/month/2022-07"),
    "event": (None, lambda s, f: f"/calendar/events/{s.event_id}"),
    "registration": ("newcomer", lambda s, f: "/registration/"),
    "agenda": (DELEGATE, lambda s, f: "/programme/agenda"),
    "programme-delegate": (DELEGATE, lambda s, f: "/programme/"),
    "account": (DELEGATE, lambda s, f: "/account/"),
    "ticket": (DELEGATE, lambda s, f: "/registration/ticket"),
    "organiser-home": (ORGANISER, lambda s, f: "/organiser/"),
    "organiser-sessions": (ORGANISER, lambda s, f: "/programme/organiser/sessions"),
    "organiser-publish": (ORGANISER, lambda s, f: "/programme/organiser/publish"),
    "organiser-registrations": (ORGANISER, lambda s, f: "/registration/organiser/"),
    "organiser-registration": (ORGANISER, lambda s, f: f"/registration/organiser/{f['registration_id']}"),
    "organiser-registration-edit": (ORGANISER, lambda s, f: f"/registration/organiser/{f['registration_id']}/edit"),
    "moderation-queue": (ORGANISER, lambda s, f: "/calendar/moderation"),
    "partner-events": (PARTNER, lambda s, f: "/calendar/mine"),
    "checkin-door": (DOOR_STAFF, lambda s, f: f"/checkin/?door={f['door_key']}&direction=in"),
}


def find_facts(site: DemoSite) -> dict[str, Any]:
    """Ids the pages need that DemoSite does not carry: the demo delegate's registration (it
    has a booked and a starred session) and the first door."""
    import sqlalchemy as sa

    from esof.accounts.models import User
    from esof.checkin.doors import list_doors
    from esof.extensions import db
    from esof.registration.models import Registration

    with site.server.app.app_context():
        registration_id = db.session.scalar(
            sa.select(Registration.id).join(User, User.id == Registration.user_id).where(User.email == DELEGATE))
        facts = {"registration_id": registration_id, "door_key": list_doors()[0].key}
        db.session.remove()
    return facts


def shrink(png: bytes) -> bytes:
    from PIL import Image

    image = Image.open(BytesIO(png)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def log_in(page: Any, site: DemoSite, email: str) -> None:
    page.goto(site("/account/login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/account/login" not in url)


def take_screenshots(site: DemoSite, browser: Any, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    facts = find_facts(site)
    written = []
    for label, viewport in (("phone", PHONE_SHOT), ("desktop", DESKTOP_SHOT)):
        contexts: dict[str | None, Any] = {}
        for name, (who, path) in PAGES.items():
            if who not in contexts:
                context = browser.new_context(viewport=viewport, locale="en-GB", device_scale_factor=1)
                contexts[who] = context.new_page()
                if who is not None:
                    log_in(contexts[who], site, site.newcomer if who == "newcomer" else who)
            page = contexts[who]
            response = page.goto(site(path(site, facts)))
            assert response is not None and response.status == 200, (name, page.url, response and response.status)
            target = out / f"{name}-{label}.png"
            target.write_bytes(shrink(page.screenshot(full_page=False)))
            written.append(target)
        for page in contexts.values():
            page.context.close()
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    reasons = missing_tools()
    if reasons:
        print("Cannot take screenshots: " + "; ".join(reasons), file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright

    from tests.conftest import BASE_TEST_CONFIG
    from tests.support import run_migrations

    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.sqlite"
        run_migrations(f"sqlite:///{template}", BASE_TEST_CONFIG)
        with demo_site(template, Path(folder)) as site, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                written = take_screenshots(site, browser, args.out)
            finally:
                browser.close()
    total = sum(p.stat().st_size for p in written)
    for path in written:
        print(f"{path.stat().st_size // 1024:>5} KB  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"{total // 1024} KB in {len(written)} screenshots")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
