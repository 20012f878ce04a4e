"""SMART App Launch v2 scopes (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html)
and the permission each route needs.

A scope is ``context/Type.perms``: context ``system``, ``user`` or ``patient``; ``Type`` a
resource type or ``*``; perms an ordered subset of ``cruds`` (create, read, update, delete,
search). The v1 forms ``.read``, ``.write`` and ``.*`` are read as their v2 equivalents ``rs``,
``cud`` and ``cruds``. A scope with search parameters (``patient/Observation.rs?category=…``)
grants nothing here: the service cannot narrow every search by such a filter, and granting the
whole type would be more than the token holder was given.

:func:`route_permission` maps every :class:`~._routes.Route` to what it needs; ``create_app``
calls it for each route, so a new route without a mapping fails the app (and a test) at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from fhir_werk.service._plan_store import PLAN_TYPES
from fhir_werk.service._routes import Route

Context = Literal["system", "user", "patient"]
Access = Literal["all", "patient"]
"""How a token may use a route: on every patient's data, or on its own patient's only."""

_SCOPE: Final = re.compile(r"(system|user|patient)/(\*|[A-Z][A-Za-z]{0,63})\.([a-z*]{1,5})")
_V1: Final = {"read": "rs", "write": "cud", "*": "cruds"}
_ORDER: Final = "cruds"

PATIENT_DATA: Final = frozenset({"QuestionnaireResponse", "AuditEvent", *PLAN_TYPES})
"""Resource types that hold a patient's data: a ``patient/`` token reaches only its own patient's
resources of these types. A Questionnaire is a published form of nobody: a ``patient/`` scope on
it reaches all of them (a patient app must read the form it fills in)."""

_BY_INTERACTION: Final = {
    "read": "r",
    "vread": "r",
    "history-instance": "r",
    "search-type": "s",
    "create": "c",
    "update": "u",
}
_BY_OPERATION: Final = {
    # $validate and $extract store nothing and read nothing stored, but take a response the
    # client wrote and answer what a create would check and deliver: the writer's preview. So
    # they need what the create needs (c), not a read: a read-only viewer has no response to send.
    ("QuestionnaireResponse", "validate"): "c",
    ("QuestionnaireResponse", "extract"): "c",
    # Where a stored response's delivery stands is a read of that response.
    ("QuestionnaireResponse", "delivery"): "r",
    # $assemble reads the published forms only (also the type-level POST: it resolves the
    # given form's modules against the published ones and stores nothing).
    ("Questionnaire", "assemble"): "r",
    # $populate reads the form and the patient's earlier responses: both reads (see POPULATE_ALSO).
    ("Questionnaire", "populate"): "r",
}
POPULATE_ALSO: Final = ("QuestionnaireResponse", "r")
"""$populate discloses the patient's stored responses (as the pre-filled answers), so it also
needs a read of QuestionnaireResponse."""
OPEN_INTERACTIONS: Final = frozenset({"capabilities"})
"""Routes without a token: the CapabilityStatement says how to get one (SMART discovery)."""


@dataclass(frozen=True)
class Scope:
    """One granted scope: context, resource type (or ``*``) and the permission letters."""

    context: Context
    resource: str
    permissions: frozenset[str]

    def allows(self, resource: str, permission: str) -> bool:
        """True when this scope grants ``permission`` on ``resource``."""
        return self.resource in ("*", resource) and permission in self.permissions


def parse_scope(text: str) -> Scope | None:
    """One scope string as a :class:`Scope`; None for a scope that is not a resource scope
    (``openid``, ``launch/patient``, ``fhirUser``), malformed, or carries search parameters.

    >>> parse_scope("patient/CarePlan.rs")
    Scope(context='patient', resource='CarePlan', permissions=frozenset({'r', 's'}))
    """
    match = _SCOPE.fullmatch(text)
    if match is None:
        return None
    context, resource, letters = match.groups()
    letters = _V1.get(letters, letters)
    if "*" in letters or not _in_order(letters):
        return None
    return Scope(context, resource, frozenset(letters))  # type: ignore[arg-type]


def _in_order(letters: str) -> bool:
    """v2 permissions are a subset of ``cruds`` in that order, each letter once (``rs``, not ``sr``)."""
    positions = [_ORDER.find(letter) for letter in letters]
    return -1 not in positions and positions == sorted(set(positions))


def parse_scopes(claim: object) -> tuple[Scope, ...]:
    """The resource scopes of a ``scope`` claim (space-separated; a list is accepted as well)."""
    texts: Iterable[object] = (
        claim.split() if isinstance(claim, str) else claim if isinstance(claim, list) else ()
    )
    return tuple(scope for text in texts if isinstance(text, str) and (scope := parse_scope(text)))


@dataclass(frozen=True)
class Permission:
    """What one route needs: the permission letter on each resource type; none for an open route."""

    needs: tuple[tuple[str, str], ...]

    @property
    def open(self) -> bool:
        """True for a route anyone may call (no token needed)."""
        return not self.needs


def route_permission(route: Route) -> Permission:
    """The permission ``route`` needs; KeyError for a route that has none mapped (so it cannot
    be registered unguarded)."""
    if route.interaction in OPEN_INTERACTIONS:
        return Permission(())
    if route.resource is None:
        raise KeyError(f"{route.method} {route.path}")
    if route.interaction is not None:
        letter = _BY_INTERACTION[route.interaction]
    else:
        letter = _BY_OPERATION[(route.resource, str(route.operation))]
    needs: tuple[tuple[str, str], ...] = ((route.resource, letter),)
    if (route.resource, route.operation) == ("Questionnaire", "populate"):
        needs = (*needs, POPULATE_ALSO)
    return Permission(needs)


def supported_scopes(routes: Iterable[Route]) -> list[str]:
    """The resource scopes ``routes`` understand, per context and type with every letter some
    route of that type needs (``patient/QuestionnaireResponse.crs`` ...), for SMART discovery."""
    letters: dict[str, set[str]] = {}
    for route in routes:
        for resource, letter in route_permission(route).needs:
            letters.setdefault(resource, set()).add(letter)
    return [
        f"{context}/{resource}.{''.join(sorted(found, key=_ORDER.index))}"
        for context in ("patient", "user", "system")
        for resource, found in sorted(letters.items())
    ]


def access(scopes: Iterable[Scope], permission: Permission) -> Access | None:
    """``all`` when ``system/`` or ``user/`` scopes grant every need, else ``patient`` when
    ``patient/`` scopes (possibly with the others) grant them, else None (403).

    A ``user/`` scope reaches every patient: this service knows no user-to-patient relation
    (that is the EPD's), so whoever issues ``user/`` scopes grants that reach.
    """
    granted = tuple(scopes)
    result: Access = "all"
    for resource, letter in permission.needs:
        if any(s.context != "patient" and s.allows(resource, letter) for s in granted):
            continue
        if any(s.context == "patient" and s.allows(resource, letter) for s in granted):
            if resource in PATIENT_DATA:
                result = "patient"
            continue
        return None
    return result
