"""When a failed FHIR request may be sent again, and how long to wait first.

Only requests that are safe to replay are retried: GET, HEAD, PUT and DELETE (idempotent), a
create with ``If-None-Exist`` (a replay finds the first one), and a transaction or batch whose
every entry is such a request. Retried failures: 429, 502, 503, 504 and timeouts while
connecting or reading. A connection that could not be made is retried for any request, since
nothing reached the server. Waits grow exponentially with full jitter and honour
``Retry-After`` (seconds or an HTTP date).

The retry loop itself is tenacity's (:meth:`RetryPolicy.retrying`); what stays ours are the
rules above, because no retry library knows which FHIR requests are safe to replay (a
conditional create is, a plain POST is not) or how a FHIR server asks for patience.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

import httpx
import tenacity

from fhir_werk.shared import Resource

RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
_IDEMPOTENT: Final = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_NOTHING_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_MAYBE_SENT: Final = (httpx.ReadTimeout,)


def entry_is_replayable(entry: Resource) -> bool:
    """True when a Bundle entry's request is idempotent or a conditional create."""
    request = entry.get("request", {})
    method = str(request.get("method", "")).upper()
    return method in _IDEMPOTENT or (method == "POST" and bool(request.get("ifNoneExist")))


def bundle_is_replayable(bundle: Resource) -> bool:
    """True when every entry of a transaction or batch Bundle is safe to send twice."""
    return all(entry_is_replayable(entry) for entry in bundle.get("entry", []))


def retry_after_seconds(response: httpx.Response, now: Callable[[], datetime]) -> float | None:
    """The wait the server asks for in ``Retry-After``, in seconds; None if absent or unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is retried.

    ``sleep``, ``random`` and ``now`` are injectable so tests neither wait nor depend on luck.
    """

    max_attempts: int = 4
    """Attempts in total, the first included; 1 disables retries."""
    base_delay: float = 0.5
    max_delay: float = 30.0
    """Longest wait between attempts; a longer ``Retry-After`` ends the retries instead."""
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    random: Callable[[], float] = field(default=random.random, compare=False)
    now: Callable[[], datetime] = field(default=_utc_now, compare=False)

    def retries_exception(self, exc: Exception, *, replayable: bool, attempt: int) -> bool:
        """True when the request that raised ``exc`` on attempt ``attempt`` should be sent again."""
        if attempt >= self.max_attempts:
            return False
        return isinstance(exc, _NOTHING_SENT) or (replayable and isinstance(exc, _MAYBE_SENT))

    def delay_for_response(self, response: httpx.Response, *, replayable: bool, attempt: int) -> float | None:
        """Seconds to wait before retrying after ``response``; None when it must not be retried."""
        if not replayable or attempt >= self.max_attempts or response.status_code not in RETRY_STATUSES:
            return None
        asked = retry_after_seconds(response, self.now)
        if asked is None:
            return self.backoff(attempt)
        return asked if asked <= self.max_delay else None

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: a random wait up to ``base * 2**(attempt-1)``."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling * self.random()

    def retrying(self, *, replayable: bool) -> tenacity.Retrying:
        """A tenacity loop for one request: it retries per these rules and hands back the last
        response (or raises the last httpx error) when the rules say stop."""

        def should_retry(state: tenacity.RetryCallState) -> bool:
            return self._wait(state, replayable) is not None

        def wait(state: tenacity.RetryCallState) -> float:
            return self._wait(state, replayable) or 0.0

        def close_response(state: tenacity.RetryCallState) -> None:
            if state.outcome is not None and not state.outcome.failed:
                state.outcome.result().close()

        def last_outcome(state: tenacity.RetryCallState) -> httpx.Response:
            assert state.outcome is not None
            response: httpx.Response = state.outcome.result()
            return response

        return tenacity.Retrying(
            retry=should_retry,
            wait=wait,
            stop=tenacity.stop_never,
            sleep=self.sleep,
            before_sleep=close_response,
            retry_error_callback=last_outcome,
        )

    def _wait(self, state: tenacity.RetryCallState, replayable: bool) -> float | None:
        """The wait before the next attempt after ``state``'s outcome; None: do not retry."""
        outcome = state.outcome
        if outcome is None:
            return None
        attempt = state.attempt_number
        if outcome.failed:
            exc = outcome.exception()
            if isinstance(exc, Exception) and self.retries_exception(
                exc, replayable=replayable, attempt=attempt
            ):
                return self.backoff(attempt)
            return None
        response: httpx.Response = outcome.result()
        return self.delay_for_response(response, replayable=replayable, attempt=attempt)
