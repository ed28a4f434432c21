"""`python -m stripe_dbapi.sandbox serve [--port P] [--seed S] ...`."""

from __future__ import annotations

import sys

from stripe_dbapi.sandbox.cli import main

sys.exit(main())
