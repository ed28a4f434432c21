"""`python -m stripe_dbapi.sandbox serve [--port P] [--seed S] ...`.

An entry point, not part of the sandbox library: it runs `stripe-dbapi sandbox …`.
"""

from __future__ import annotations

import sys

from stripe_dbapi.cli.sandbox import main

sys.exit(main())
