"""What the browser tests and the screenshot script share: Chromium, the live app, SMTP, axe.

Nothing here downloads a browser: Playwright drives Debian's Chromium (`/usr/bin/chromium`,
installed by `.ci/run` with apt-get), and axe-core comes from npm (`node_modules`, installed
by `make test`).
"""
from __future__ import annotations

import email
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("ESOF_CHROMIUM", "/usr/bin/chromium"))
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {"375px": PHONE, "1280px": DESKTOP}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

# Settings every browser-test app gets on top of tests/conftest.py's BASE_TEST_CONFIG: many
# log-ins come from 127.0.0.1 within a minute, which the real limits would refuse. (Not
# RATELIMIT_ENABLED=False: Flask-Limiter keeps that on its one shared object, so it would
# switch the limits off for every app made later in the same test run.)
GENEROUS = "1000 per minute"
LIVE_CONFIG: dict[str, Any] = {
    "RATELIMIT_LOGIN": GENEROUS, "RATELIMIT_SIGNUP": GENEROUS, "RATELIMIT_PASSWORD_RESET": GENEROUS,
}


def missing_tools() -> list[str]:
    """Reasons the browser tests cannot run on this machine (empty when they can)."""
    reasons = []
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        reasons.append(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    if not AXE_SCRIPT.exists():
        reasons.append(f"axe-core is missing at {AXE_SCRIPT.relative_to(ROOT)} (run npm ci)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reasons.append("the playwright package is not installed (pip install -e '.[test]')")
    return reasons


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The real app behind werkzeug's threaded server on a free localhost port.

    ESOF_BASE_URL is set to the server's own address, so links in mails and the agenda
    feed address lead back to it, as they do in production.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        app.config["ESOF_BASE_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-app", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __call__(self, path: str) -> str:
        return self.url + path


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted"

    def wait_for(self, to: str, subject_contains: str, timeout: float = 10) -> Message:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for message in self.messages:
                    if to in message["To"] and subject_contains in str(message["Subject"]):
                        return message
                left = deadline - time.monotonic()
                assert left > 0, f"no mail to {to} about {subject_contains!r}; got {self.subjects()}"
                self.arrived.wait(left)

    def subjects(self) -> list[str]:
        return [f"{m['To']}: {m['Subject']}" for m in self.messages]


def plain_text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("the mail has no text/plain part")


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


# --- axe-core -----------------------------------------------------------------------------
# The app's Content-Security-Policy says script-src 'self', so a <script> tag with axe's
# source (what page.add_script_tag does) would be blocked, and bypass_csp=True would switch
# the policy off for the page under test too. Evaluating the source through the DevTools
# protocol (page.evaluate) is not subject to the page's CSP: the page keeps its real policy
# and axe still arrives.

_axe_source: str | None = None


def axe_source() -> str:
    global _axe_source
    if _axe_source is None:
        _axe_source = AXE_SCRIPT.read_text(encoding="utf-8")
    return _axe_source


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe's WCAG 2.1 A/AA violations on the current page."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source() + "\n;void 0")
    result = page.evaluate(
        """async (tags) => {
            const outcome = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return outcome.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                                          summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )
    return result


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe_violations(where: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{where}: {len(violations)} serious/critical accessibility violation(s)"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:6]:
            lines.append(f"      at {node['target']}: {node['html'][:160]}")
            for summary_line in (node["summary"] or "").splitlines()[:4]:
                lines.append(f"         {summary_line.strip()}")
        if len(v["nodes"]) > 6:
            lines.append(f"      … and {len(v['nodes']) - 6} more")
    return "\n".join(lines)


def page_overflow(page: Any) -> dict[str, Any]:
    """How wide the page is versus the viewport, and which elements stick out."""
    return page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const culprits = [];
            for (const el of document.querySelectorAll('body *')) {
                const box = el.getBoundingClientRect();
                if (box.right > width + 1 && culprits.length < 8) {
                    let inScroller = false;
                    for (let p = el.parentElement; p; p = p.parentElement) {
                        const style = getComputedStyle(p);
                        if (['auto', 'scroll', 'hidden'].includes(style.overflowX)) { inScroller = true; break; }
                    }
                    if (!inScroller) {
                        const classes = el.className ? '.' + String(el.className).split(' ').join('.') : '';
                        culprits.push(el.tagName.toLowerCase() + classes + ' right=' + Math.round(box.right));
                    }
                }
            }
            return {scrollWidth: document.documentElement.scrollWidth, clientWidth: width, culprits};
        }"""
    )


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def copy_database(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
