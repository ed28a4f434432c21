"""A local HTTP server on a daemon thread: the lifecycle the sandbox and the OAuth2
redirect receiver share (start, stop, context manager, the port it got)."""

from __future__ import annotations

import threading
from http.server import HTTPServer
from typing import TypeVar

_S = TypeVar("_S", bound="LoopbackServer")


class LoopbackServer:
    """Serves `httpd` on a daemon thread until `stop()`; binds whatever `httpd` bound."""

    thread_name = "stripe-dbapi-server"

    def __init__(self, httpd: HTTPServer) -> None:
        self._httpd = httpd
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self: _S) -> _S:
        """Serve on a daemon thread (once); returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{self.thread_name}-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self: _S) -> _S:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
