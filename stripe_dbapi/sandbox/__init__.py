"""The sandbox: a local Stripe-compatible server over a deterministic generated data set.

    from stripe_dbapi.sandbox import start_sandbox
    with start_sandbox(seed=0) as srv:
        conn = stripe_dbapi.connect(srv.dsn)

It answers Stripe's list, retrieve and search endpoints for every catalog table (see
docs/sandbox.md). `stripe_dbapi.sandbox.data.generate(seed, scale)` gives the data set.
"""

from __future__ import annotations

from stripe_dbapi.sandbox.server import DEFAULT_API_KEY, LoggedRequest, SandboxServer, start_sandbox

__all__ = ["DEFAULT_API_KEY", "LoggedRequest", "SandboxServer", "start_sandbox"]
