"""A small background load for fault tests: threads that keep asking an app server."""
from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from tests.ops.processes import WebUser

_addresses = itertools.count(1)


def next_address() -> str:
    """A distinct client address per call (10.x.y.z), as a load balancer would forward it."""
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


@dataclass
class Answer:
    at: float
    what: str
    status: int  # 0: no answer (connection refused, timeout)


@dataclass
class BackgroundLoad:
    """Threads that repeat `steps` against `base_url` until stopped; every answer is kept."""

    base_url: str
    steps: list[tuple[str, Callable[[WebUser], requests.Response]]]
    threads: int = 3
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _run(self) -> None:
        user = WebUser(self.base_url, address=next_address())
        for what, step in itertools.cycle(self.steps):
            if self._stop.is_set():
                return
            try:
                status = step(user).status_code
            except requests.RequestException:
                status = 0
            with self._lock:
                self.answers.append(Answer(time.monotonic(), what, status))

    def __enter__(self) -> BackgroundLoad:
        for _ in range(self.threads):
            worker = threading.Thread(target=self._run, daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def since(self, moment: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.at >= moment]

    def statuses(self, answers: list[Answer] | None = None) -> Counter:
        return Counter(a.status for a in (self.answers if answers is None else answers))


def failed_log_in(user: WebUser) -> requests.Response:
    """A wrong password from a new address: exercises the rate-limit storage every time."""
    user.http.headers["X-Forwarded-For"] = next_address()
    return user.log_in("nobody@example.org", "wrong password 123")
