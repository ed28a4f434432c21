"""The canary secrets the security tests drive through every path."""

# Shaped like a real key so every code path treats it as one; never valid anywhere.
CANARY = "sk_test_CANARYzq8Xw3secret0451"
# A Connect refresh token as Stripe issues them: `rt_…` with no `live`/`test` in it.
CANARY_BARE = "rt_CANARYbare5523refreshQ"
