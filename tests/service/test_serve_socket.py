"""``fhir-werk serve``'s socket: the connections it accepts send without Nagle's delay (an answer
on a kept-alive connection otherwise waited for the client's delayed ACK, ~40 ms)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fhir_werk.cli import app as cli
from fhir_werk.cli._serve import listening_socket


def test_accepted_connections_have_tcp_nodelay() -> None:
    with listening_socket("127.0.0.1", 0) as listening:
        assert listening.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        with socket.create_connection(listening.getsockname()[:2]):
            accepted, _ = listening.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_serve_with_several_processes_shares_such_a_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # uvicorn's own socket (serve --workers N used to let uvicorn bind) lacks TCP_NODELAY.
    given: list[socket.socket] = []

    class Supervisor:
        def __init__(self, _config: object, sockets: list[socket.socket]) -> None:
            given.extend(sockets)

        def run(self) -> None:
            assert given[0].get_inheritable()  # the processes inherit it

    monkeypatch.setattr("uvicorn.supervisors.Multiprocess", Supervisor)
    result = CliRunner().invoke(
        cli, ["serve", "--port", "0", "--workers", "2"], env={"FHIR_WERK_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    (shared,) = given
    assert shared.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert f"127.0.0.1:{shared.getsockname()[1]}/fhir" in result.output
    shared.close()
