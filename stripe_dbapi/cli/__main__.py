"""`python -m stripe_dbapi.cli` is `stripe-dbapi`."""

import sys

from stripe_dbapi.cli import main

sys.exit(main())
