"""The ``fhir`` adapter: push the 'Werk' section into any FHIR R4 server.

Reads the CapabilityStatement once and sends a transaction when the server declares one, else
batches, else one request per resource; the mode can also be forced. All modes keep the
conditional-create semantics of the extraction (``ifNoneExist`` / ``If-None-Exist`` on the
stable identifiers), so pushing the same bundle twice creates nothing new.

Batch and single requests cannot resolve ``urn:uuid`` references across entries on the server,
so those modes send the bundle in dependency layers (a resource after everything it refers to)
and rewrite ``urn:uuid`` references to the ids the server returned before the next layer.
Spec: https://hl7.org/fhir/R4/http.html#transaction
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal, Self
from urllib.parse import urlencode

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

from fhir_werk.client import (
    AuthOptions,
    FhirClient,
    FhirResponse,
    RetryPolicy,
    build_auth,
    error_from_status,
    make_http_client,
)
from fhir_werk.delivery import (
    AuditStore,
    Current,
    EntryStatus,
    Ledger,
    LedgerStore,
    PushEntry,
    PushesThroughRunPush,
    PushProgress,
    rewrite_references,
)
from fhir_werk.shared import InvalidInputError, RemoteRejectedError, Resource, bad_request

Mode = Literal["auto", "transaction", "batch", "single"]


class FhirAdapterSettings(BaseSettings, AuthOptions):
    """Settings of the ``fhir`` adapter, from ``FHIR_WERK_FHIR_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="FHIR_WERK_FHIR_")

    base_url: str
    mode: Mode = "auto"
    """auto follows the CapabilityStatement; the others force a strategy."""
    timeout: float = 30.0
    """Seconds per phase (connect, read, write, pool) of every call."""
    max_attempts: int = 4
    send_audit: bool = False
    """Also POST the AuditEvent of each push to the server."""
    search_consents: bool = True
    """Look for Consents already on the server when the bundle's own Consent does not permit."""


def parse_location(location: str | None) -> tuple[str, str] | None:
    """(type, id) from a Location such as ``http://x/fhir/Goal/7/_history/1`` or ``Goal/7``."""
    if not location:
        return None
    parts = [p for p in location.split("/_history/")[0].split("/") if p]
    return (parts[-2], parts[-1]) if len(parts) >= 2 else None


def parse_version(location: str | None, etag: str | None = None) -> str | None:
    """The versionId from ``.../_history/3`` or from an ETag ``W/"3"``; None if neither says."""
    if location and "/_history/" in location:
        return location.split("/_history/")[1].strip("/").split("/")[0] or None
    if etag:
        return etag.removeprefix("W/").strip('"') or None
    return None


def _status_code(status: str) -> int:
    try:
        return int(str(status).split()[0])
    except (ValueError, IndexError):
        return 0


def _entry_status(method: str, code: int) -> EntryStatus:
    if code == 201:
        return "created"
    if code == 304 or method == "POST":
        # A conditional create that found its match answers 200 with the existing resource.
        return "unchanged"
    return "updated"


def _result(
    entry: Resource, code: int, location: str | None, body: Resource | None, etag: str | None = None
) -> PushEntry:
    request, resource = entry.get("request", {}), entry.get("resource", {})
    type_id = parse_location(location)
    if type_id is None and body is not None and body.get("id"):
        type_id = (str(body.get("resourceType")), str(body["id"]))
    return PushEntry(
        resource_type=str(resource.get("resourceType")),
        status=_entry_status(str(request.get("method", "POST")).upper(), code),
        id=type_id[1] if type_id else None,
        version=parse_version(location, etag) or (body or {}).get("meta", {}).get("versionId"),
        location=location,
        full_url=entry.get("fullUrl"),
        identifier=request.get("ifNoneExist"),
    )


_KEYS_PER_SEARCH = 40
"""Stable identifiers per search (an OR list); keeps URLs short and the answer on one page."""


def _values(keys: Sequence[str]) -> str:
    return ",".join(k.partition("=")[2] for k in keys)


def _has_key(resource: Resource, key: str) -> bool:
    """True when ``resource`` carries the identifier (or tag) that ``key`` searches for."""
    name, _, token = key.partition("=")
    system, _, value = token.rpartition("|")
    if name == "_tag":
        codings = resource.get("meta", {}).get("tag", [])
        return any(c.get("system") == system and c.get("code") == value for c in codings)
    identifiers = resource.get("identifier", [])
    identifiers = identifiers if isinstance(identifiers, list) else [identifiers]
    return any(i.get("system", "") == system and i.get("value") == value for i in identifiers)


def dependency_layers(entries: Sequence[Resource]) -> list[list[Resource]]:
    """Entries in layers: each refers (by ``urn:uuid`` fullUrl) only to entries of earlier layers.

    Raises InvalidInputError for a reference cycle, which only a transaction can resolve.
    """
    full_urls = {e["fullUrl"] for e in entries if e.get("fullUrl")}

    def refs(value: object) -> set[str]:
        if isinstance(value, dict):
            found = set().union(*(refs(v) for v in value.values())) if value else set()
            reference = value.get("reference")
            if isinstance(reference, str) and reference in full_urls:
                found.add(reference)
            return found
        if isinstance(value, list):
            return set().union(*(refs(v) for v in value)) if value else set()
        return set()

    needs = [refs(e.get("resource", {})) - {e.get("fullUrl")} for e in entries]
    done: set[str] = set()
    remaining = list(range(len(entries)))
    layers: list[list[Resource]] = []
    while remaining:
        ready = [i for i in remaining if needs[i] <= done]
        if not ready:
            raise InvalidInputError(
                bad_request(
                    "De bundel bevat kringverwijzingen; alleen een transaction kan die versturen.",
                    "The bundle holds circular references; only a transaction can send it.",
                    [f"Bundle.entry[{i}]" for i in remaining],
                )
            )
        layers.append([entries[i] for i in ready])
        done |= {entries[i].get("fullUrl", "") for i in ready}
        remaining = [i for i in remaining if i not in ready]
    return layers


class FhirAdapter(PushesThroughRunPush):
    """Pushes to a FHIR R4 server; also the :class:`~fhir_werk.delivery._push.PushTarget` for it."""

    name: ClassVar[str] = "fhir"
    settings_type: ClassVar[type[BaseSettings]] = FhirAdapterSettings
    settings: FhirAdapterSettings

    def __init__(
        self,
        settings: FhirAdapterSettings,
        *,
        audit: AuditStore,
        ledger: LedgerStore | None = None,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self._ledger = ledger or Ledger(":memory:")
        self._owned: httpx.Client | None = None
        if http is None:
            auth = build_auth(settings, settings.base_url)
            http = self._owned = make_http_client(settings.base_url, timeout=settings.timeout, auth=auth)
        self.client = FhirClient(http, retry=retry or RetryPolicy(max_attempts=settings.max_attempts))
        self._audit = audit

    def close(self) -> None:
        """Close the HTTP client if this adapter built it (an injected one is the caller's)."""
        if self._owned is not None:
            self._owned.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def address(self) -> str:
        """The server's base URL."""
        return self.settings.base_url.rstrip("/")

    def existing_consents(self, patient: str) -> Sequence[Resource]:
        """Active Consents of ``patient`` on the server."""
        if not self.settings.search_consents:
            return []
        found = self.client.search("Consent", {"patient": patient, "status": "active"}, follow_next=True)
        return [
            e["resource"]
            for e in found.get("entry", [])
            if e.get("resource", {}).get("resourceType") == "Consent"
        ]

    def current(self, wanted: Sequence[tuple[str, str]]) -> dict[str, Current]:
        """What the server holds now for each ``(type, key)``: a search per type and query
        parameter for the stable identifiers (``identifier=a,b`` is an OR), a read for ``Type/id``."""
        found: dict[str, Current] = {}
        groups: dict[tuple[str, str], list[str]] = {}
        for resource_type, key in wanted:
            name, _, value = key.partition("=")
            if value and name in ("identifier", "_tag"):
                groups.setdefault((resource_type, name), []).append(key)
            elif "/" in key:
                held = self._read(key)
                if held is not None:
                    found[key] = held
        searches = [
            (resource_type, name, keys[start : start + _KEYS_PER_SEARCH])
            for (resource_type, name), keys in groups.items()
            for start in range(0, len(keys), _KEYS_PER_SEARCH)
        ]
        for (_, _, chunk), hits in zip(searches, self._search_all(searches), strict=True):
            for key in chunk:
                match = next((r for r in hits if _has_key(r, key)), None)
                if match is not None and match.get("id"):
                    found[key] = Current(str(match["id"]), match.get("meta", {}).get("versionId"), match)
        return found

    def _search_all(self, searches: Sequence[tuple[str, str, list[str]]]) -> list[list[Resource]]:
        """The resources each search finds: one batch of GETs when the server takes batches (one
        round trip for the whole push), else one search after another (also when the server
        refuses searches inside a batch)."""
        if not searches:
            return []
        if self.mode() != "single":
            entries = [
                {
                    "request": {
                        "method": "GET",
                        "url": f"{kind}?{urlencode({name: _values(chunk), '_count': '200'})}",
                    }
                }
                for kind, name, chunk in searches
            ]
            try:
                answer = self.client.batch({"resourceType": "Bundle", "type": "batch", "entry": entries})
            except RemoteRejectedError:
                answer = {}
            replies = answer.get("entry", [])
            if len(replies) == len(searches) and all(
                _status_code(r.get("response", {}).get("status", "")) == 200 for r in replies
            ):
                return [
                    [h.get("resource", {}) for h in r.get("resource", {}).get("entry", [])] for r in replies
                ]
            # A server that takes batches but not searches inside them: ask one by one below.
        return [
            [
                h.get("resource", {})
                for h in self.client.search(
                    kind, {name: _values(chunk), "_count": "200"}, follow_next=True
                ).get("entry", [])
            ]
            for kind, name, chunk in searches
        ]

    def _read(self, key: str) -> Current | None:
        resource_type, _, resource_id = key.partition("/")
        try:
            answer = self.client.read(resource_type, resource_id)
        except RemoteRejectedError as exc:
            if exc.status in (404, 410):
                return None
            raise
        if answer.resource is None:
            return None
        return Current(resource_id, answer.resource.get("meta", {}).get("versionId"), answer.resource)

    def withdraw(self, created: Sequence[PushEntry]) -> None:
        """Delete what a push has just created, when it turns out to be refused (a conflict found
        after its conditional creates). One transaction (all or nothing; ``If-Match`` the version
        just written, where a server honours it: HAPI 8 does not), else one DELETE after
        another, newest first (what refers to an earlier one goes before it)."""
        newest_first = [e for e in reversed(created) if e.id]
        if self.mode() == "transaction":
            entries = [
                {
                    "request": {"method": "DELETE", "url": f"{e.resource_type}/{e.id}"}
                    | ({"ifMatch": f'W/"{e.version}"'} if e.version else {})
                }
                for e in newest_first
            ]
            self.client.transaction({"resourceType": "Bundle", "type": "transaction", "entry": entries})
            return
        for e in newest_first:
            self.client.delete(e.resource_type, str(e.id))

    def send_audit(self, event: Resource) -> None:
        """POST the AuditEvent to the server."""
        self.client.create(event)

    def mode(self) -> Literal["transaction", "batch", "single"]:
        """The strategy: forced by the settings, else the best the CapabilityStatement declares."""
        if self.settings.mode != "auto":
            return self.settings.mode
        declared = self.client.system_interactions()
        if "transaction" in declared:
            return "transaction"
        return "batch" if "batch" in declared else "single"

    def send(self, bundle: Resource, progress: PushProgress) -> None:
        """Write ``bundle`` with the chosen strategy, recording each entry as it is written."""
        mode = self.mode()
        progress.interaction = "create" if mode == "single" else mode
        entries = bundle.get("entry", [])
        if mode == "transaction":
            response = self.client.transaction(bundle)
            for entry, answer in zip(entries, response.get("entry", []), strict=False):
                reply = answer.get("response", {})
                code = _status_code(reply.get("status", ""))
                progress.entries.append(
                    _result(entry, code, reply.get("location"), answer.get("resource"), reply.get("etag"))
                )
            return
        positions = {str(e.get("fullUrl")): i for i, e in enumerate(entries)}
        server_refs: dict[str, str] = {}
        for layer in dependency_layers(entries):
            rewritten = [
                {**e, "resource": rewrite_references(e.get("resource", {}), server_refs)} for e in layer
            ]
            if mode == "batch":
                self._send_batch(rewritten, progress, positions)
            else:
                for entry in rewritten:
                    progress.entries.append(self._send_single(entry))
            for done in progress.entries:
                if done.full_url and done.id:
                    server_refs[done.full_url] = f"{done.resource_type}/{done.id}"

    def _send_batch(self, layer: list[Resource], progress: PushProgress, positions: dict[str, int]) -> None:
        """One batch per layer; entries that succeeded are recorded before the first failure is raised."""
        response = self.client.batch({"resourceType": "Bundle", "type": "batch", "entry": layer})
        failures = []
        for entry, answer in zip(layer, response.get("entry", []), strict=False):
            reply = answer.get("response", {})
            code = _status_code(reply.get("status", ""))
            if code >= 400 or code == 0:
                failures.append((entry, code, reply.get("outcome")))
            else:
                progress.entries.append(
                    _result(entry, code, reply.get("location"), answer.get("resource"), reply.get("etag"))
                )
        if failures:
            entry, code, server_outcome = failures[0]
            index = positions.get(str(entry.get("fullUrl")), 0)
            raise error_from_status(code or 500, server_outcome, f"Bundle.entry[{index}]")

    def _send_single(self, entry: Resource) -> PushEntry:
        request, resource = entry.get("request", {}), entry.get("resource", {})
        method = str(request.get("method", "POST")).upper()
        answer: FhirResponse
        if method == "POST":
            answer = self.client.create(resource, if_none_exist=request.get("ifNoneExist"))
        elif method == "PUT" and "?" not in str(request.get("url", "")):
            type_id = parse_location(str(request.get("url", "")))
            answer = self.client.update(
                {**resource, "id": type_id[1] if type_id else resource.get("id")},
                if_match=request.get("ifMatch"),
            )
        else:
            raise InvalidInputError(
                bad_request(
                    f"Verzoek '{method} {request.get('url')}' kan niet los worden verstuurd.",
                    f"Request '{method} {request.get('url')}' cannot be sent on its own.",
                    "Bundle.entry.request",
                )
            )
        return _result(entry, answer.status, answer.location, answer.resource, answer.etag)
