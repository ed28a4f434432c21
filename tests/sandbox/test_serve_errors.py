"""`stripe-dbapi sandbox serve` fails with one clean line, never a traceback."""

from __future__ import annotations

import socket

from stripe_dbapi.cli import main


def test_a_port_out_of_range(capsys):
    assert main(["sandbox", "serve", "--port", "99999"]) == 1
    assert capsys.readouterr().err == "error: --port must be between 0 and 65535, not 99999.\n"


def test_a_port_in_use(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["sandbox", "serve", "--port", str(port), "--scale", "0.01"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: The sandbox cannot listen on 127.0.0.1:{port}:")
    assert "Traceback" not in err
