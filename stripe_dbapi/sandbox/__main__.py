"""`python -m stripe_dbapi.sandbox serve [--port P] [--seed S] ...`.

An entry point, not part of the sandbox library: it is `stripe-dbapi sandbox serve [...]`.
"""

from __future__ import annotations

import sys

from stripe_dbapi.cli import main

sys.exit(main(["sandbox", *sys.argv[1:]]))
