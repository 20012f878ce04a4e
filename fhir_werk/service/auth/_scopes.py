"""SMART App Launch v2 scopes (https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html)
and the permission each route needs.

A scope is ``context/Type.perms``: context ``system``, ``user`` or ``patient``; ``Type`` a
resource type or ``*``; perms an ordered subset of ``cruds`` (create, read, update, delete,
search). The v1 forms ``.read``, ``.write`` and ``.*`` are read as their v2 equivalents ``rs``,
``cud`` and ``cruds``. A scope with search parameters (``patient/Observation.rs?category=…``)
is refused explicitly: it grants nothing, and a request that only such a scope would cover is a
403 that says so. Honouring it would mean evaluating the filter on every read and search of that
type, for parameters the service does not search by (the local copies are found by patient);
granting the whole type would be more than the token holder was given.

A route's reach (:data:`Access`): ``all`` by ``system/`` scopes; ``user`` when a ``user/`` scope
is needed (the ``fhirUser`` claim may narrow it, :mod:`._user`); ``patient`` when a
``patient/`` scope is (:mod:`._patient`).

:func:`route_permission` maps every :class:`~fhir_werk.service.core._routes.Route` to what it needs;
``create_app`` calls it for each route, so a new route without a mapping fails the app (and a test) at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from fhir_werk.service.core._routes import Route
from fhir_werk.service.storage._plan_store import PLAN_TYPES

Context = Literal["system", "user", "patient"]
Access = Literal["all", "user", "patient"]
"""How a token may use a route: on every patient's data (system), as its user may (user: the
``fhirUser`` claim decides), or on its own patient's only (patient)."""

_SCOPE: Final = re.compile(r"(system|user|patient)/(\*|[A-Z][A-Za-z]{0,63})\.([a-z*]{1,5})")
_V1: Final = {"read": "rs", "write": "cud", "*": "cruds"}
_ORDER: Final = "cruds"
_V2_ONLY: Final = frozenset({"r", "s", "rs"})
"""SMART 2 allows search parameters on read and search scopes only."""

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
    "delete": "d",
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
    """One granted scope: context, resource type (or ``*``), the permission letters, and the
    search parameters it is restricted to (which this service refuses: such a scope grants nothing)."""

    context: Context
    resource: str
    permissions: frozenset[str]
    parameters: str = ""

    def covers(self, resource: str, permission: str) -> bool:
        """True when this scope names ``permission`` on ``resource`` (restricted or not)."""
        return self.resource in ("*", resource) and permission in self.permissions

    def allows(self, resource: str, permission: str) -> bool:
        """True when this scope grants ``permission`` on ``resource``."""
        return not self.parameters and self.covers(resource, permission)


def parse_scope(text: str) -> Scope | None:
    """One scope string as a :class:`Scope`; None for a scope that is not a resource scope
    (``openid``, ``launch/patient``, ``fhirUser``) or is malformed. Search parameters are kept
    (``parameters``) so that a request they alone would cover can be refused with the reason.

    >>> parse_scope("patient/CarePlan.rs")
    Scope(context='patient', resource='CarePlan', permissions=frozenset({'r', 's'}), parameters='')
    """
    base, mark, parameters = text.partition("?")
    match = _SCOPE.fullmatch(base)
    if match is None or (mark and not parameters):
        return None
    context, resource, letters = match.groups()
    letters = _V1.get(letters, letters)
    if "*" in letters or not _in_order(letters) or (parameters and letters not in _V2_ONLY):
        return None
    return Scope(context, resource, frozenset(letters), parameters[:500])  # type: ignore[arg-type]


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
    """``all`` when ``system/`` scopes grant every need; ``user`` when ``user/`` scopes are
    needed as well; ``patient`` when ``patient/`` scopes (possibly with the others) are needed
    for patient data; else None (403).

    A ``user/`` scope reaches what its user may: :mod:`._user` narrows it by the token's
    ``fhirUser`` (a Patient or RelatedPerson to one patient); for a practitioner it reaches every
    patient, since this service knows no care relation (that is the EPD's, which issues the scope).
    """
    granted = tuple(scopes)
    rank = {"all": 0, "user": 1, "patient": 2}
    result: Access = "all"
    for resource, letter in permission.needs:
        if any(s.context == "system" and s.allows(resource, letter) for s in granted):
            continue
        if any(s.context == "user" and s.allows(resource, letter) for s in granted):
            reach: Access = "user" if resource in PATIENT_DATA else "all"
        elif any(s.context == "patient" and s.allows(resource, letter) for s in granted):
            reach = "patient" if resource in PATIENT_DATA else "all"
        else:
            return None
        result = reach if rank[reach] > rank[result] else result
    return result


def only_restricted(scopes: Iterable[Scope], permission: Permission) -> bool:
    """True when a scope with search parameters names a need nothing else grants: the 403 then
    says that such scopes are refused, instead of only that a scope is missing."""
    granted = tuple(scopes)
    return any(
        not any(s.allows(resource, letter) for s in granted)
        and any(s.parameters and s.covers(resource, letter) for s in granted)
        for resource, letter in permission.needs
    )
