"""Who this service is, never taken from the request: the ``Host`` header is the client's to set,
so a page on ``rebind.attacker.example`` that resolves to 127.0.0.1 (DNS rebinding) would
otherwise read the local service, and a reflected ``Host`` would put the attacker's name in
``Location`` and in Bundle links.

- :class:`LocalHostOnly`: in the local mode (no authentication, bound to loopback) only
  ``127.0.0.1``, ``localhost`` and ``[::1]`` (with or without the port) are answered; any other
  ``Host`` is a 400 OperationOutcome.
- :func:`origin`: the configured ``FHIR_WERK_SERVICE_PUBLIC_BASE_URL``, else the address of the
  socket the request came in on (the server's own, not the client's words).
"""

from __future__ import annotations

import json
from typing import Any, Final

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from fhir_werk.shared import issue, outcome

LOCAL_NAMES: Final = frozenset({"127.0.0.1", "localhost", "[::1]"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def _host_and_port(value: str) -> tuple[str, str | None]:
    if value.startswith("["):
        name, _, rest = value.partition("]")
        return f"{name}]", rest.removeprefix(":") or None
    name, _, port = value.partition(":")
    return name, port or None


def _server(scope: Scope) -> tuple[str, int | None]:
    server = scope.get("server")
    if isinstance(server, (tuple, list)) and len(server) == 2:
        host = str(server[0])
        return (f"[{host}]" if ":" in host else host), (int(server[1]) if server[1] is not None else None)
    return "127.0.0.1", None


def local_host(value: str, scope: Scope) -> bool:
    """Whether ``value`` (a Host header) names this machine's loopback service."""
    name, port = _host_and_port(value.strip().lower())
    own, own_port = _server(scope)
    if name not in LOCAL_NAMES and name != own:
        return False
    return port is None or (
        port.isascii() and port.isdigit() and own_port is not None and int(port) == own_port
    )


class LocalHostOnly:
    """ASGI middleware: refuse a request whose ``Host`` is not a loopback name (local mode)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers") or [])
            host = headers.get(b"host", b"").decode("latin-1")
            if not local_host(host, scope):
                await _refuse(send)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    body = json.dumps(
        outcome(
            [
                issue(
                    "error",
                    "security",
                    "De lokale dienst antwoordt alleen op 127.0.0.1, localhost of [::1] (kop Host).",
                    "The local service answers only to 127.0.0.1, localhost or [::1] (Host header).",
                    "Host",
                )
            ]
        )
    ).encode()
    headers = [(b"content-type", b"application/fhir+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def origin(request: Request) -> str:
    """``scheme://host[:port]`` of this service, from the settings or the socket, never from Host."""
    configured: Any = getattr(request.app.state, "public_base_url", None)
    if isinstance(configured, str) and configured:
        return configured.rstrip("/")
    host, port = _server(request.scope)
    scheme = str(request.scope.get("scheme", "http"))
    shown = "" if port is None or _DEFAULT_PORTS.get(scheme) == port else f":{port}"
    return f"{scheme}://{host}{shown}"


def own_url(request: Request, **params: Any) -> str:
    """The request's own URL (path and query, ``params`` replaced) on :func:`origin`."""
    url = request.url.include_query_params(**params) if params else request.url
    return f"{origin(request)}{url.path}" + (f"?{url.query}" if url.query else "")
