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

# name -> (who is logged in or None, path)
PAGES: dict[str, tuple[str | None, Callable[[DemoSite], str]]] = {
    "home": (None, lambda s: "/"),
    "programme": (None, lambda s: "/programme/"),
    "programme-grid": (None, lambda s: "/programme/grid"),
    "session": (None, lambda s: f"/programme/sessions/{s.booking_session_id}"),
    "calendar-month": (None, lambda s: "/calendar/month/2022-07"),
    "event": (None, lambda s: f"/calendar/events/{s.event_id}"),
    "registration": ("newcomer", lambda s: "/registration/"),
    "agenda": (DELEGATE, lambda s: "/programme/agenda"),
}


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
            page.goto(site(path(site)))
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
