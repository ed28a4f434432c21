"""StripeClient: the one door to Stripe.

Every request the driver makes goes through `StripeClient.get`: the base URL, the pinned
`Stripe-Version`, `Stripe-Account`, timeouts, the one retry loop, the rate limiter, DEBUG
logging with secrets redacted, and a per-connection request count. Each attempt's whole
answer is read within `Timeout` and at most `MAX_PAGE_BYTES` decoded, never following a
redirect (`bounded.fetch`). Pagination is two generators (`list_pages`, `search_pages`)
sharing one check of what a call has returned (repeated ids, `MaxRows`). Errors leave as
PEP 249 exceptions carrying Stripe's HTTP status, error code and request id.
"""

from __future__ import annotations

import collections
import http.client
import logging
import os
import random
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

import requests

from stripe_dbapi import bounded, jsoncodec
from stripe_dbapi.auth import Credentials
from stripe_dbapi.exceptions import Error, OperationalError, ProgrammingError, error_for_status
from stripe_dbapi.progress import Counters
from stripe_dbapi.ratelimit import RateLimiter
from stripe_dbapi.redact import Redactor, safe_code, safe_request_id
from stripe_dbapi.stripe_api import PAGE_SIZE, addressable, page_limit, requests_in_flight

logger = logging.getLogger(__name__)

Params = Sequence[tuple[str, str]]

class StripeClient:
    """A requests session bound to one Stripe account and API version."""

    INITIAL_DELAY = 0.5
    MAX_DELAY = 5.0
    RATE_LIMIT_DELAY = 1.0
    LATENCY_SAMPLES = 16  # answers the latency estimate looks back over
    MAX_PAGE_BYTES = 64 * 1024 * 1024  # one decoded answer; Stripe's largest pages are ~1 MB

    def __init__(
        self,
        api_base: str,
        credentials: Credentials,
        *,
        api_version: str,
        account_id: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        max_rows: int | None = None,
        max_concurrency: int = 4,
        rate_limit: float | None = None,
        deadline: float | None = None,
        extra_secrets: Sequence[str] = (),
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.credentials = credentials
        self.api_version = api_version
        self.account_id = account_id
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_rows = max_rows  # MaxRows: the most rows one list or search call may return
        self.deadline = deadline if deadline is not None else timeout * (max_retries + 1) + 30
        self.limiter = RateLimiter(rate_limit) if rate_limit else None
        self._extra_secrets = tuple(extra_secrets)
        self.counters = Counters()  # requests, pages, rows, waits: read by Cursor.progress
        # Seconds per answer of the last LATENCY_SAMPLES requests, and the client's CPU
        # seconds per answer (a moving average over scans): what `workers` sizes by.
        self._latencies: collections.deque[float] = collections.deque(maxlen=self.LATENCY_SAMPLES)
        self.cpu_per_answer: float | None = None
        self._rng = random.Random()
        self.session = requests.Session()
        _read_environment_once(self.session, self.api_base)
        bounded.mount(self.session, pool_connections=4, pool_maxsize=max(4, max_concurrency * 2))
        self.session.headers.update(
            {
                "Stripe-Version": api_version,
                "User-Agent": "stripe_dbapi/0.1",
                "Accept-Encoding": "gzip, deflate",
            }
        )
        if account_id:
            self.session.headers["Stripe-Account"] = account_id

    # -- bookkeeping -------------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """Requests sent on this connection, retries included."""
        return self.counters.requests

    @property
    def host(self) -> str:
        return urlparse(self.api_base).netloc

    @property
    def redactor(self) -> Redactor:
        return Redactor((*self.credentials.secrets, *self._extra_secrets))

    def close(self) -> None:
        self.session.close()

    # -- requests ----------------------------------------------------------------------

    @property
    def latency(self) -> float | None:
        """How long the last answers took, in seconds: the quickest quarter's slowest.

        Slower answers also hold the time a busy client took to read them (its threads
        wait for one interpreter lock), which more threads would only lengthen; the
        quickest one alone would miss the server's usual jitter."""
        if not self._latencies:
            return None
        return sorted(self._latencies)[len(self._latencies) // 4]

    def observe_cpu(self, seconds: float, answers: int) -> None:
        """What a scan cost the client: `seconds` of CPU for `answers` answers."""
        if answers < 2 or seconds <= 0:
            return  # one answer is mostly the query's fixed cost, not the per-page cost
        per = seconds / answers
        old = self.cpu_per_answer
        self.cpu_per_answer = per if old is None else 0.5 * old + 0.5 * per

    def workers(self, maximum: int, *, adaptive: bool = True) -> int:
        """Requests a scan should keep in flight, at most `maximum`: what the measured
        latency, the client's CPU per answer and the rate budget can use
        (stripe_api.requests_in_flight; `adaptive` False: the budget only)."""
        rate = self.limiter.rate if self.limiter is not None else None
        return requests_in_flight(
            maximum, rate, self.latency, self.cpu_per_answer, adaptive=adaptive
        )

    def get(self, path: str, params: Params | Mapping[str, str] = ()) -> dict[str, Any]:
        """GET `path` with `params`, retried as Stripe advises; the decoded JSON object."""
        items = list(params.items()) if isinstance(params, Mapping) else list(params)
        if not addressable(path):
            raise ProgrammingError(
                f"`{path}` is not a Stripe URL: a key in it is empty, `.` or `..`, which "
                "names no object."
            )
        started = time.monotonic()
        attempt = 0
        renewed = False
        while True:
            # No single attempt may outlive the overall deadline, whatever `timeout` says.
            remaining = self.deadline - (time.monotonic() - started)
            response, failure = self._send(path, items, max(0.001, min(self.timeout, remaining)))
            if response is not None and response.status_code == 401 and not renewed:
                rejected = str(response.request.headers.get("Authorization", ""))
                if self.credentials.renew(rejected):
                    renewed = True
                    continue
            if not self._should_retry(response, failure, attempt):
                break
            delay = self._sleep_time(attempt, response)
            if time.monotonic() - started + delay > self.deadline:
                break
            attempt += 1
            logger.debug("retrying GET %s in %.2f s (attempt %d)", path, delay, attempt + 1)
            time.sleep(delay)
        if failure is not None:
            raise self._network_error(path, failure, attempt + 1) from None
        assert response is not None
        body = self._decode(path, response, attempt + 1)
        self.counters.received(body)
        return body

    def retrieve(self, path: str, params: Params = ()) -> dict[str, Any] | None:
        """One object, or None when Stripe answers 404 (a missing id is no row)."""
        if not addressable(path):
            return None  # an id such as `..` names no object; never send it as a path
        try:
            return self.get(path, params)
        except Error as exc:
            if exc.http_status == 404:
                return None
            raise

    def list_pages(
        self,
        path: str,
        params: Params = (),
        *,
        max_rows: int | None = None,
        page_size: int = PAGE_SIZE,
        starting_after: str | None = None,
        paginated: bool = True,
    ) -> Generator[list[dict[str, Any]], None, None]:
        """Each page of a list endpoint, newest first, until `has_more` is false.

        An unpaginated list (`paginated=False`: Stripe answers `parameter_unknown` to
        `limit` there) is one request without `limit` or cursor, and its page every row.

        `starting_after` resumes after that object (a parallel scan continues a slice from
        the last row it has seen). Stops once `max_rows` rows (the rows the query wants)
        were yielded. A list that cannot be completed is an OperationalError, never a
        partial or repeated list: a cursor that does not advance, a page that repeats ids,
        more rows than `MaxRows` (`self.max_rows`), a later page's 404 (the object it
        starts after was deleted mid-scan).
        """
        base = [(k, v) for k, v in params if k not in ("limit", "starting_after")]
        if not paginated:
            data = _page_data(path, self.get(path, base))
            data = data if max_rows is None else data[:max_rows]
            _Returned(path, self.max_rows).add(data, more=False)
            if data:
                yield data
            return

        def request(limit: int, after: str | None) -> list[tuple[str, str]]:
            query = [*base, ("limit", str(limit))]
            return query if after is None else [*query, ("starting_after", after)]

        def next_cursor(body: dict[str, Any], data: list[dict[str, Any]]) -> str | None:
            if not body.get("has_more"):
                return None
            if not data:
                raise OperationalError(
                    f"Stripe's answer to GET {path} is an empty page that says more follow; "
                    "stopping rather than returning a partial list."
                )
            last = data[-1].get("id")
            if not isinstance(last, str):
                raise _not_advancing(path, last)
            return last

        yield from self._paginate(path, request, next_cursor, max_rows, page_size, starting_after)

    def search_pages(
        self, path: str, query: str, *, max_rows: int | None = None, params: Params = ()
    ) -> Iterator[list[dict[str, Any]]]:
        """Each page of a Search API endpoint, following `next_page`; `params` go with
        every page (`expand[]`)."""

        def request(limit: int, page: str | None) -> list[tuple[str, str]]:
            sent = [("query", query), *params, ("limit", str(limit))]
            return sent if page is None else [*sent, ("page", page)]

        def next_cursor(body: dict[str, Any], data: list[dict[str, Any]]) -> str | None:
            page = body.get("next_page")
            return page if body.get("has_more") and isinstance(page, str) and page else None

        yield from self._paginate(path, request, next_cursor, max_rows, PAGE_SIZE, None)

    def _paginate(
        self,
        path: str,
        request: Callable[[int, str | None], list[tuple[str, str]]],
        next_cursor: Callable[[dict[str, Any], list[dict[str, Any]]], str | None],
        max_rows: int | None,
        page_size: int,
        cursor: str | None,
    ) -> Iterator[list[dict[str, Any]]]:
        """The one paging loop, for lists (`starting_after`) and search (`page`) alike.

        `request` makes a page's parameters from its limit and cursor; `next_cursor` reads
        the cursor of the next page from an answer (None: the last page). Stops once
        `max_rows` rows were yielded. A cursor seen before, a page that repeats ids and
        more rows than MaxRows fail the call (`_Returned`); so does a 404 to a page after
        the first (the object its cursor names was deleted mid-scan).
        """
        returned = _Returned(path, self.max_rows)
        seen: set[str] = set()
        remaining = max_rows
        while True:
            try:
                body = self.get(path, request(page_limit(remaining, page_size), cursor))
            except Error as exc:
                if cursor is None or exc.http_status != 404:
                    raise
                raise OperationalError(
                    f"The list GET {path} could not be completed: `{cursor}`, the object its "
                    "next page starts after, no longer exists (deleted mid-scan); run the "
                    "query again.",
                    http_status=exc.http_status,
                    code=exc.code,
                    request_id=exc.request_id,
                ) from None
            data = _page_data(path, body)
            following = next_cursor(body, data)
            if following is not None and following in seen:
                raise _not_advancing(path, following)  # the same page again, or a cycle
            wanted = remaining is None or remaining > len(data)
            returned.add(data, more=following is not None and wanted)
            if data:
                yield data
            if remaining is not None:
                remaining -= len(data)
                if remaining <= 0:
                    return
            if following is None:
                return
            seen.add(following)
            cursor = following

    # -- internals ---------------------------------------------------------------------

    def _send(
        self, path: str, items: list[tuple[str, str]], timeout: float
    ) -> tuple[requests.Response | None, Exception | None]:
        """One attempt: the response, or the network failure that prevented one."""
        started = time.monotonic()
        if self.limiter is not None:
            self.limiter.acquire(path)
        self.counters.sending(waited=time.monotonic() - started)
        started = time.monotonic()
        try:
            response = bounded.fetch(
                self.session.request,
                "GET",
                self.api_base + path,
                timeout=timeout,
                max_bytes=self.MAX_PAGE_BYTES,
                params=items,
                headers={"Authorization": self.credentials.authorization()},
            )
        except (requests.RequestException, http.client.HTTPException, OSError, ValueError) as exc:
            # Everything the transport can raise becomes a failure the caller maps to an
            # OperationalError: a raw requests/urllib3/socket exception must never escape.
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "GET %s %s -> %s after %.0f ms",
                    path,
                    self.redactor.redact(_format_params(items)),
                    type(exc).__name__,
                    (time.monotonic() - started) * 1000,
                )
            return None, exc
        finally:
            self.counters.answered()
        took = time.monotonic() - started
        self._latencies.append(took)
        if logger.isEnabledFor(logging.DEBUG):  # the redaction is not free: not per page
            logger.debug(
                "GET %s %s -> %d request_id=%s in %.0f ms",
                path,
                self.redactor.redact(_format_params(items)),
                response.status_code,
                safe_request_id(response.headers.get("Request-Id")) or "-",
                took * 1000,
            )
        if response.status_code == 429 and self.limiter is not None:
            self.limiter.penalize(self.RATE_LIMIT_DELAY)
        return response, None

    def _should_retry(
        self, response: requests.Response | None, failure: Exception | None, attempt: int
    ) -> bool:
        """Stripe's advice first (`Stripe-Should-Retry`), then 409, 429, 5xx, network errors."""
        if attempt >= self.max_retries:
            return False
        if failure is not None:
            return isinstance(failure, _TRANSIENT)
        assert response is not None
        advice = response.headers.get("Stripe-Should-Retry")
        if advice == "true":
            return True
        if advice == "false":
            return False
        return response.status_code in (409, 429) or response.status_code >= 500

    def _sleep_time(self, attempt: int, response: requests.Response | None) -> float:
        delay = min(self.INITIAL_DELAY * (2**attempt), self.MAX_DELAY)
        if response is not None and response.status_code == 429:
            reason = response.headers.get("Stripe-Rate-Limited-Reason", "")
            # Concurrency limits clear only when other requests finish: wait longer.
            delay = max(delay, self.RATE_LIMIT_DELAY * (2 if "concurrency" in reason else 1))
            retry_after = response.headers.get("Retry-After")
            if retry_after and retry_after.replace(".", "", 1).isdigit():
                delay = max(delay, min(float(retry_after), self.MAX_DELAY))
        return self._jitter(delay)

    def _jitter(self, delay: float) -> float:
        """Spread retries of parallel requests: between half and all of `delay`."""
        return delay * (0.5 + self._rng.random() / 2)

    def _network_error(self, path: str, failure: Exception, attempts: int) -> OperationalError:
        if isinstance(failure, requests.Timeout):
            text = f"Stripe at {self.host} did not answer GET {path} within {self.timeout:g} s"
        elif isinstance(failure, bounded.Redirected):
            text = (
                f"Stripe at {self.host} answered GET {path} with a redirect ({failure.reason}); "
                "Stripe never redirects API calls, so check ApiBase."
            )
        elif isinstance(failure, bounded.AnswerTooLarge):
            text = f"Stripe's answer to GET {path} is {failure.reason}; stopping rather than reading it."
        elif isinstance(failure, requests.exceptions.ChunkedEncodingError):
            text = f"Stripe's answer to GET {path} was cut short (connection closed mid-body)"
        elif isinstance(failure, requests.ConnectionError):
            text = f"could not reach Stripe at {self.host} ({_reason(failure)})"
        else:
            text = f"the request GET {path} to {self.host} failed ({type(failure).__name__})"
        return OperationalError(self.redactor.redact(text + _attempts(attempts)))

    def _decode(self, path: str, response: requests.Response, attempts: int = 1) -> dict[str, Any]:
        request_id = safe_request_id(response.headers.get("Request-Id"))
        try:
            body = jsoncodec.loads(response.content)
        except ValueError:  # json.JSONDecodeError and UnicodeDecodeError included
            body = None
        if response.status_code >= 400:
            raise self._api_error(path, response, body, request_id, attempts)
        if not isinstance(body, dict):
            kind = response.headers.get("Content-Type", "unknown content type")
            raise OperationalError(
                f"Stripe's answer to GET {path} is not a JSON object ({kind}, "
                f"{len(response.content)} bytes)",
                http_status=response.status_code,
                request_id=request_id,
            )
        return body

    def _api_error(
        self,
        path: str,
        response: requests.Response,
        body: Any,
        request_id: str | None,
        attempts: int = 1,
    ) -> Error:
        err = body.get("error") if isinstance(body, dict) else None
        err = err if isinstance(err, dict) else {}
        message = str(err.get("message") or response.reason or "no message")
        code = safe_code(err.get("code")) or safe_code(err.get("type"))
        status = response.status_code
        parts = [f"Stripe answered {status} to GET {path}: {message}"]
        details = [f"code {code}"] if code else []
        if request_id:
            details.append(f"request id {request_id}")
        text = parts[0] + (f" ({'; '.join(details)})" if details else "") + _attempts(attempts)
        cls = error_for_status(status)
        return cls(self.redactor.redact(text), http_status=status, code=code, request_id=request_id)


# Network failures worth another attempt: resets, refused or dropped connections, timeouts,
# and a body cut short (ChunkedEncodingError is requests' name for an incomplete read).
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class _Returned:
    """What one list or search call has returned so far: the one check that its pages do
    not repeat ids (a cursor that skipped back) and that it stays within MaxRows."""

    def __init__(self, path: str, max_rows: int | None) -> None:
        self.path = path
        self.max_rows = max_rows
        self.ids: set[str] = set()
        self.rows = 0

    def add(self, data: list[dict[str, Any]], *, more: bool) -> None:
        """Take in a page; `more`: the call would fetch another one."""
        for row in data:
            row_id = row.get("id")
            if isinstance(row_id, str):
                if row_id in self.ids:
                    raise OperationalError(
                        f"Stripe's pagination of GET {self.path} returned `{row_id}` twice; "
                        "stopping rather than returning duplicate rows."
                    )
                self.ids.add(row_id)
        self.rows += len(data)
        cap = self.max_rows
        if cap is not None and (self.rows > cap or (self.rows == cap and more)):
            raise OperationalError(
                f"GET {self.path} has more than MaxRows={cap} rows; narrow the query or raise "
                "MaxRows (a partial list is never returned)."
            )


def _not_advancing(path: str, last: object) -> OperationalError:
    return OperationalError(
        f"Stripe's pagination of GET {path} did not advance past `{last}`; "
        "stopping rather than returning a partial or repeated list."
    )


def _attempts(attempts: int) -> str:
    return f"; gave up after {attempts} attempts" if attempts > 1 else ""


def _page_data(path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """A list page's `data`, checked: a list of objects, or an OperationalError."""
    data = body.get("data")
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise OperationalError(f"Stripe's answer to GET {path} has no `data` list of objects.")
    return data


def _format_params(items: Sequence[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in items) or "-"


def _reason(exc: Exception) -> str:
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "host name not found"
    if "timed out" in lowered:
        return "connection timed out"
    if "reset" in lowered or "aborted" in lowered or "remotedisconnected" in lowered:
        return "connection closed by the server"
    return type(exc).__name__


def _read_environment_once(session: requests.Session, url: str) -> None:
    """The environment's proxy and CA-bundle settings for `url`, read once per client.

    With `trust_env` on, requests reads them again on every request (with ~/.netrc): a
    scan paid about 0.6 ms of CPU per page for it. And a ~/.netrc entry for the host would
    replace the key's Authorization header with its login. `HTTPS_PROXY`, `NO_PROXY` and
    `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` keep their meaning, as of connect time.
    """
    session.proxies.update(requests.utils.get_environ_proxies(url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False
