"""``fhir-werk serve``'s socket: the connections it accepts send without Nagle's delay (an answer
on a kept-alive connection otherwise waited for the client's delayed ACK, ~40 ms)."""

from __future__ import annotations

import socket

from fhir_werk.cli._serve import listening_socket


def test_accepted_connections_have_tcp_nodelay() -> None:
    with listening_socket("127.0.0.1", 0) as listening:
        assert listening.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        with socket.create_connection(listening.getsockname()[:2]):
            accepted, _ = listening.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
