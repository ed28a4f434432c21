"""Two processes saving at once: the lock around read-modify-write loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from stripe_dbapi import profiles

# Each writer imports, says it is ready, then waits for "go" so the saves really overlap.
_WRITER = """
import os, sys, time
from stripe_dbapi import profiles
prefix, gate = sys.argv[1], sys.argv[2]
open(os.path.join(gate, "ready-" + prefix), "w").close()
while not os.path.exists(os.path.join(gate, "go")):
    time.sleep(0.005)
for i in range(20):
    profiles.save(f"{prefix}{i}", f"LiveAPIKey=sk_test_abcdefgh{i:04d};AccountId=acct_{prefix}{i}", test=False)
"""


def test_two_processes_saving_at_once_lose_nothing(config_dir: Path, tmp_path: Path) -> None:
    profiles.save("before", "Sandbox=true", test=False)
    env = {**os.environ, "STRIPE_DBAPI_CONFIG_DIR": str(config_dir)}
    gate = tmp_path / "gate"
    gate.mkdir()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, prefix, str(gate)], env=env, stderr=subprocess.PIPE
        )
        for prefix in ("a", "b")
    ]
    deadline = time.monotonic() + 60
    while len(list(gate.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    (gate / "go").touch()
    for writer in writers:
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err.decode()
    names = {c.name for c in profiles.list_connections()}
    expected = {"before"} | {f"{p}{i}" for p in "ab" for i in range(20)}
    assert names == expected
    assert profiles.load("b7") == {"LiveAPIKey": "sk_test_abcdefgh0007", "AccountId": "acct_b7"}
