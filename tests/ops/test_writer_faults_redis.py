"""Redis (rate limits, feed cache) killed while the new writers are under load on two app
servers, and started again: the writers keep working (no answer missing, no 5xx), an
organiser confirms an announcement during the outage (its rate limit is counted in process
memory meanwhile, as docs/DEPLOYMENT.md says), and the mail worker delivers it once to each
recipient; nothing is lost or doubled.
"""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.announcements.test_announcements import FORM
from tests.mail.test_outbox import SmtpServer
from tests.ops.processes import RedisServer, app_environment, free_port, gunicorn, mail_worker, stop_process, wait_until
from tests.ops.writers import Ledger, Stored, browsers, build_world, check_stored, data_app, run_writers
from tests.support import csrf_token_from

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

OUTAGE = 4.0  # seconds without Redis
TICKETS = 18  # the onsite delegates: the announcement's recipients


def announced(smtp: SmtpServer) -> Counter:
    """Messages of the announcement per recipient, as the relay received them."""
    return Counter(m["To"] for m in smtp.inbox.messages if m["Subject"] == FORM["subject_en"])


def test_redis_outage_mid_load_writers_go_on_and_an_announcement_reaches_each_recipient_once(
    postgres_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    data = data_app(postgres_url)
    world = build_world(data, voucher_uses=6, registrants=14, speakers=8, decidable=4, tickets=TICKETS)
    smtp = SmtpServer(free_port())
    smtp.start()
    env = app_environment(postgres_url, REDIS_URL=redis.url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port))
    ledger = Ledger()
    outage: list[float] = []
    confirmed: list[int] = []

    def kill_redis_and_announce() -> None:
        [organiser] = browsers(data, [world.organisers[1]], [servers[1]])
        redis.kill()
        outage.append(time.monotonic())
        page = organiser.get("/organiser/mail/new")
        fields = {"csrf_token": csrf_token_from(page.text), **FORM, "categories": str(world.onsite_category_id)}
        preview = organiser.http.post(organiser.base_url + "/organiser/mail/new", timeout=30,
                                      data={**fields, "action": "preview"})
        assert preview.status_code == 200 and f"It goes to {TICKETS} people." in preview.text
        done = organiser.http.post(organiser.base_url + "/organiser/mail/new", timeout=30, allow_redirects=False,
                                   data={**fields, "action": "confirm", "expected_count": str(TICKETS)})
        confirmed.append(done.status_code)
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - outage[0])))
        redis.start()
        outage.append(time.monotonic())

    try:
        with gunicorn(env, tmp_path / "a.log") as a, gunicorn(env, tmp_path / "b.log") as b:
            servers = [a.url, b.url]
            finals = run_writers(data, world, servers, ledger, fault=kill_redis_and_announce, after=6)
            logs = a.log() + b.log()
        worker = mail_worker(env)
        try:
            wait_until(lambda: len(announced(smtp)) >= TICKETS, timeout=90, what="the announcement delivered")
            time.sleep(1.5)  # a message sent twice would arrive now
        finally:
            stop_process(worker)
    finally:
        smtp.stop()
    stored = Stored.read(data, world)

    figures = check_stored(stored, world, finals)
    assert confirmed == [302]
    failed = [(what, status) for _, what, status in ledger.answers if status == 0 or status >= 500]
    assert failed == []
    during = [a for a in ledger.answers if outage[0] <= a[0] <= outage[1]]
    assert len(during) > 5  # the load went on through the outage
    per_recipient = announced(smtp)
    assert len(per_recipient) == TICKETS and set(per_recipient.values()) == {1}
    assert "Rate limit storage unreachable - falling back to in-memory storage" in logs
    assert "Traceback" not in logs
    print(f"redis outage ({outage[1] - outage[0]:.1f} s): {len(ledger.answers)} requests, {len(during)} during it,"
          f" {len(failed)} failed; announcement confirmed during it: {TICKETS} recipients, 1 mail each; {figures}")
