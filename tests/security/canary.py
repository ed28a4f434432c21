"""The canary secret the security tests drive through every path."""

# Shaped like a real key so every code path treats it as one; never valid anywhere.
CANARY = "sk_test_CANARYzq8Xw3secret0451"
