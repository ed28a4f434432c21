"""The loopback redirect receiver on its own: a real server on 127.0.0.1, real requests."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from stripe_dbapi.oauth import redirect as redirect_module
from stripe_dbapi.oauth.redirect import RedirectReceiver


def test_the_code_is_handed_over_only_after_the_page_is_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A slow page (a busy machine, a slow browser) must not let `wait` return first: the
    # CLI stops the server as soon as it has the code, which cut the page off
    # (ChunkedEncodingError in the browser's place).
    original = redirect_module._Handler._page
    page_sent: list[float] = []

    def slow_page(self: Any, status: int, title: str, text: str) -> None:
        time.sleep(0.3)
        original(self, status, title, text)
        page_sent.append(time.monotonic())

    monkeypatch.setattr(redirect_module._Handler, "_page", slow_page)
    with RedirectReceiver("st_1") as receiver:
        answers: list[requests.Response] = []
        browser = threading.Thread(
            target=lambda: answers.append(
                requests.get(
                    receiver.redirect_uri, params={"code": "ac_1", "state": "st_1"}, timeout=10
                )
            )
        )
        browser.start()
        got = receiver.wait(10)
        handed_over = time.monotonic()
    browser.join(10)
    assert got is not None and got.code == "ac_1"
    assert page_sent and handed_over >= page_sent[0]
    assert answers[0].status_code == 200 and "Connected" in answers[0].text


def test_only_the_first_redirect_counts() -> None:
    with RedirectReceiver("st_1") as receiver:
        first = requests.get(receiver.redirect_uri, params={"code": "ac_1", "state": "st_1"}, timeout=5)
        second = requests.get(receiver.redirect_uri, params={"code": "ac_2", "state": "st_1"}, timeout=5)
        got = receiver.wait(5)
    assert (first.status_code, second.status_code) == (200, 409)
    assert got is not None and got.code == "ac_1"


def test_a_browser_that_goes_away_mid_page_still_hands_the_code_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_page(self: Any, status: int, title: str, text: str) -> None:
        raise BrokenPipeError("the browser closed the tab")

    monkeypatch.setattr(redirect_module._Handler, "_page", broken_page)
    with RedirectReceiver("st_1") as receiver:
        with pytest.raises(requests.RequestException):
            requests.get(
                receiver.redirect_uri, params={"code": "ac_1", "state": "st_1"}, timeout=5
            )
        got = receiver.wait(5)
    assert got is not None and got.code == "ac_1"
