"""What the HAPI tests share: the server's configuration and the removal of a test's own data.

The fixtures in tests/conftest.py use these (``fhir_server_url``, ``hapi_cleanup``, ``patient``,
``new_patient``); a test module imports :class:`HapiCleanup` only for its type.
"""

from __future__ import annotations

from fhir_werk.client import make_http_client
from fhir_werk.publishing import published
from fhir_werk.shared import Resource

# The order in which `fhir-werk interop` uploads them: a ValueSet names its CodeSystem, a
# Questionnaire its ValueSets.
CONFIGURATION_ORDER = ("CodeSystem", "ValueSet", "StructureDefinition", "Questionnaire")
# The author every example names, shared by the tests: stored again, never deleted.
SHARED_AUTHOR: Resource = {
    "resourceType": "Practitioner",
    "id": "voorbeeld-behandelaar",
    "name": [{"family": "V"}],
}


def configuration() -> list[Resource]:
    """Everything fhir-werk publishes for a server (terminology, profiles, Questionnaires) and the
    examples' shared author, in upload order."""
    resources = sorted(
        (r for r in published().resources if r["resourceType"] in CONFIGURATION_ORDER),
        key=lambda r: CONFIGURATION_ORDER.index(r["resourceType"]),
    )
    return [*resources, SHARED_AUTHOR]


def configure(base_url: str) -> None:
    """PUT the configuration by id, the checkout's content: a second call changes nothing."""
    with make_http_client(base_url, timeout=120) as http:
        for resource in configuration():
            name = f"{resource['resourceType']}/{resource['id']}"
            answer = http.put(name, json=resource, headers={"Content-Type": "application/fhir+json"})
            assert answer.status_code in (200, 201), f"{name}: {answer.text[:2000]}"


def delete_with_dependants(base_url: str, names: list[str]) -> None:
    """DELETE each resource with whatever refers to it (the test server's
    CascadingDeleteInterceptor), last registered first, and check that it is gone."""
    with make_http_client(base_url, timeout=120) as http:
        for name in reversed(list(dict.fromkeys(names))):
            deleted = http.delete(name, params={"_cascade": "delete"})
            assert deleted.status_code in (200, 204, 404, 410), f"{name}: {deleted.text[:2000]}"
            assert http.get(name).status_code in (404, 410), f"{name} staat na de test nog op de server"


class HapiCleanup:
    """What a test put on the HAPI test server, removed after the test (``hapi_cleanup``)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def add(self, *names: str) -> None:
        """Remove ``Type/id`` (and whatever refers to it) when the test ends."""
        self.names.extend(names)
