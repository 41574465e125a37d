"""Two app servers (gunicorn, 2 workers each) on one PostgreSQL database take the new writers'
requests at the same moment: a limited voucher, proposals, decisions and offline scans.

A voucher with N uses is taken exactly N times and every success is a registration that holds
it; each proposal is stored once, even sent to both servers at once; a decision sent to both servers at once lands
once, with one mail to the speaker; door phones' batches uploaded to both servers at once and
again later record each scan once.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.ops.processes import RedisServer, app_environment, gunicorn
from tests.ops.test_scale_out import all_at_once
from tests.ops.writers import (
    Clock,
    Ledger,
    Stored,
    browsers,
    build_world,
    data_app,
    decide,
    redeem_voucher,
    scan_batch,
    submit_proposal,
    tab,
    upload_scans,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

USES = 6
REGISTRANTS = 20
SPEAKERS = 12
DECIDABLE = 6
TICKETS = 24


def test_two_servers_take_each_writer_at_once_nothing_doubled_nothing_lost(
    postgres_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    data = data_app(postgres_url)
    world = build_world(data, voucher_uses=USES, registrants=REGISTRANTS, speakers=SPEAKERS,
                        decidable=DECIDABLE, tickets=TICKETS)
    env = app_environment(postgres_url, REDIS_URL=redis.url)
    ledger = Ledger()
    with gunicorn(env, tmp_path / "a.log") as a, gunicorn(env, tmp_path / "b.log") as b:
        servers = [a.url, b.url]
        clock = Clock()

        # --- the voucher: 20 people, 6 uses, both servers, one moment -------------------
        registrants = browsers(data, world.registrants, servers)
        redeemed = all_at_once(registrants, lambda _i, u: redeem_voucher(u, ledger))
        statuses = [r.status_code for r in redeemed]
        assert sorted(statuses) == [302] * USES + [422] * (REGISTRANTS - USES), statuses
        assert all("This voucher has been used up." in r.text for r in redeemed if r.status_code == 422)
        winners = sorted(e for e, r in zip(world.registrants, redeemed, strict=True) if r.status_code == 302)

        clock.lap("voucher")

        # --- proposals: 12 speakers submit once each, both servers, one moment ----------
        speakers = browsers(data, world.speakers, servers)
        # Each sends the form twice at once, to both servers (a double click through the balancer).
        twice = speakers + [tab(s, servers[(n + 1) % 2]) for n, s in enumerate(speakers)]
        titles = [f"Two servers, one call ({n})" for n in range(SPEAKERS)]
        submitted = all_at_once(twice, lambda i, u: submit_proposal(u, ledger, titles[i % SPEAKERS], world.track_id))
        assert [r.status_code for r in submitted] == [302] * 2 * SPEAKERS
        places = [r.headers["Location"] for r in submitted]
        assert all("/cfp/proposals/" in p for p in places) and places[:SPEAKERS] == places[SPEAKERS:]

        clock.lap("proposals")

        # --- decisions: each proposal accepted by two organisers, one on each server -----
        # Each thread its own client (a requests.Session is not shared between threads).
        organisers = browsers(data, world.organisers, servers)
        deciders = [tab(organisers[n % 2]) for n in range(2 * DECIDABLE)]
        decided = all_at_once(deciders, lambda i, u: decide(
            u, ledger, world.decidable[i // 2], seen_version=world.versions[world.decidable[i // 2]]))
        pairs = [sorted((decided[2 * n].status_code, decided[2 * n + 1].status_code)) for n in range(DECIDABLE)]
        assert pairs == [[200, 409]] * DECIDABLE, [r.text[:200] for r in decided]
        assert all(r.json()["error"] == "AlreadyDecided" for r in decided if r.status_code == 409)

        clock.lap("decisions")

        # --- offline scans: three phones, overlapping tickets, each batch sent to both ---
        phones = [scan_batch(world, world.tickets[0:12]),
                  scan_batch(world, world.tickets[8:20][::-1]),
                  scan_batch(world, world.tickets[16:24] + world.tickets[0:4])]
        door = browsers(data, [world.staff], servers)[0]
        staff = [tab(door, servers[n % 2]) for n in range(2 * len(phones))]
        uploads = all_at_once(staff, lambda i, u: upload_scans(u, ledger, phones[i // 2]))
        assert [r.status_code for r in uploads] == [200] * len(staff), [r.text[:300] for r in uploads]
        # The phone's request timed out on its side: it sends the batch again, later.
        again = [upload_scans(staff[n], ledger, batch) for n, batch in enumerate(phones)]
        assert [r.status_code for r in again] == [200] * len(phones)
        first_answers = [[i["status"] for i in uploads[2 * n].json()["items"]] for n in range(len(phones))]
        assert all(i["status"] in ("accepted", "duplicate") for r in again for i in r.json()["items"]), \
            [i for r in again for i in r.json()["items"]][:3]
        clock.lap("scans")
        logs = a.log() + b.log()

    stored = Stored.read(data, world)
    # Voucher: exactly its uses, each success a registration holding it.
    assert stored.voucher_used == USES
    assert sorted(stored.voucher_registrations) == winners
    # Proposals: each once.
    assert all(stored.proposals_by_title[t] == 1 for t in titles)
    # Decisions: once each, one session, one mail to each speaker.
    assert set(stored.proposal_states.values()) == {"accepted"}
    assert stored.sessions_from_decisions == DECIDABLE
    assert sorted(stored.decision_mails.values()) == [1] * DECIDABLE
    # Scans: every client id once, every delegate counted in once.
    sent = {item["client_id"] for batch in phones for item in batch}
    assert set(stored.scans_by_client_id) == sent and set(stored.scans_by_client_id.values()) == {1}
    assert stored.present == TICKETS
    assert ledger.server_errors() == []
    assert " 500 " not in logs and "Traceback" not in logs
    print(f"two servers: voucher {USES} of {REGISTRANTS} redeemed, {REGISTRANTS - USES} told used up;"
          f" {SPEAKERS} proposals sent twice at once, stored once; {DECIDABLE} decisions 200+409, 1 mail each;"
          f" {len(sent)} scans in {2 * len(phones) + len(phones)} uploads stored once, present {stored.present};"
          f" first answers {[sum(s == 'accepted' for s in f) for f in first_answers]} accepted per phone;"
          f" {len(ledger.answers)} requests, {ledger.statuses()}; {clock}")
