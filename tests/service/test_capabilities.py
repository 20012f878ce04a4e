"""``GET /fhir/metadata`` lists exactly what the service does, and every listed interaction answers."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_werk.service import ROUTES
from fhir_werk.service.storage._plan_store import PLAN_TYPES

from .kit import FHIR, TestClient, body, example, post


def test_the_statement_lists_the_route_table(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    assert statement["kind"] == "instance"
    (rest,) = statement["rest"]
    listed = {(r["type"], i["code"]) for r in rest["resource"] for i in r["interaction"]}
    routed = {(r.resource, r.interaction) for r in ROUTES if r.resource and r.interaction}
    assert listed == routed
    plan = {(kind, code) for kind in PLAN_TYPES for code in ("read", "search-type")}
    assert listed == plan | {
        ("AuditEvent", "search-type"),
        ("AuditEvent", "read"),
        ("Questionnaire", "read"),
        ("Questionnaire", "search-type"),
        ("QuestionnaireResponse", "create"),
        ("QuestionnaireResponse", "update"),
        ("QuestionnaireResponse", "delete"),
        ("QuestionnaireResponse", "read"),
        ("QuestionnaireResponse", "vread"),
        ("QuestionnaireResponse", "history-instance"),
        ("QuestionnaireResponse", "search-type"),
    }
    operations = {(r["type"], o["name"]) for r in rest["resource"] for o in r.get("operation", [])}
    assert operations == {(r.resource, r.operation) for r in ROUTES if r.operation}
    assert operations >= {
        ("Questionnaire", "assemble"),
        ("QuestionnaireResponse", "validate"),
        ("QuestionnaireResponse", "extract"),
        ("QuestionnaireResponse", "delivery"),
    }
    by_type = {r["type"]: r for r in rest["resource"]}
    assert {p["name"] for p in by_type["QuestionnaireResponse"]["searchParam"]} == {
        "subject",
        "patient",
        "status",
        "authored",
        "identifier",
    }
    assert {p["name"] for p in by_type["Questionnaire"]["searchParam"]} == {
        "url",
        "version",
        "name",
        "status",
        "title",
    }
    assert "Lokale modus" in rest["security"]["description"]


INTERACTIONS = {"read", "vread", "update", "history-instance", "create", "search-type", "delete"}


def _request(client: TestClient, resource_type: str, code: str, qr: dict[str, Any]) -> Any:
    """The standard FHIR request of an interaction (http.html), not taken from the route table."""
    if resource_type in PLAN_TYPES:
        found = client.get(f"/fhir/{resource_type}", params={"patient": "voorbeeld-els"}).json()
        ids = {resource_type: found["entry"][0]["resource"]["id"]} if found["entry"] else {}
    elif resource_type == "AuditEvent":  # the create above was audited
        found = client.get("/fhir/AuditEvent").json()
        ids = {resource_type: found["entry"][0]["resource"]["id"]}
    else:
        ids = {"Questionnaire": "leidraad", "QuestionnaireResponse": qr["id"]}
    instance = f"/fhir/{resource_type}/{ids.get(resource_type, 'geen')}"
    return {
        "read": lambda: client.get(instance),
        "vread": lambda: client.get(f"{instance}/_history/1"),
        "history-instance": lambda: client.get(f"{instance}/_history"),
        "search-type": lambda: client.get(f"/fhir/{resource_type}"),
        "create": lambda: post(client, example("sanne-werkt-met-klachten")),
        # A response of its own: the one the other interactions read must stay.
        "delete": lambda: client.delete(
            f"/fhir/{resource_type}/{post(client, example('mohamed-ziek-met-contract')).json()['id']}"
        ),
        "update": lambda: client.put(instance, content=body(qr), headers=FHIR),
    }[code]()


def _operation(client: TestClient, resource_type: str, name: str, qr: dict[str, Any]) -> Any:
    """The request of each operation, written out here; a new operation needs its line."""
    instance = {"Questionnaire": "leidraad", "QuestionnaireResponse": qr["id"]}[resource_type]
    if name in ("validate", "extract"):
        return client.post(f"/fhir/{resource_type}/${name}", content=body(example()), headers=FHIR)
    if name in ("assemble", "delivery"):
        return client.get(f"/fhir/{resource_type}/{instance}/${name}")
    if name == "populate":
        subject = {
            "resourceType": "Parameters",
            "parameter": [{"name": "subject", "valueReference": qr["subject"]}],
        }
        return client.post(f"/fhir/{resource_type}/{instance}/$populate", content=body(subject), headers=FHIR)
    raise AssertionError(f"geen testaanvraag voor ${name}: voeg die hier toe")


@pytest.mark.parametrize("kind", ["interaction", "operation"])
def test_every_listed_interaction_answers(client: TestClient, kind: str) -> None:
    qr = post(client, example()).json()
    statement = client.get("/fhir/metadata").json()
    checked = 0
    for resource in statement["rest"][0]["resource"]:
        for entry in resource.get(kind, []):
            if kind == "interaction":
                answer = _request(client, resource["type"], entry["code"], qr)
            else:
                answer = _operation(client, resource["type"], entry["name"], qr)
            if answer.status_code == 404:  # a read of a type this patient has no copy of yet
                assert "bestaat niet" in answer.json()["issue"][0]["details"]["text"], answer.text[:300]
                assert resource["type"] in PLAN_TYPES
            else:
                assert answer.status_code in (200, 201), (resource["type"], entry, answer.text[:300])
            assert answer.headers["content-type"] == "application/fhir+json"
            checked += 1
    routed = {
        (r.resource, r.interaction or r.operation)
        for r in ROUTES
        if r.resource and (r.interaction or r.operation)
    }
    assert checked == len({(t, c) for t, c in routed if (c in INTERACTIONS) == (kind == "interaction")})
