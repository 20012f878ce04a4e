"""Referrals with a life cycle: ServiceRequest + coordinating Task, the steps and who may take them,
and the whole cycle against the real HAPI server (with the receiver's worklist as a Task search)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from fhir_werk.reintegratie import OVERGANGEN, OngeldigeInvoerError, verder, verwijzing

from hapi_kit import HapiCleanup

HUISARTS = {"reference": "Practitioner/voorbeeld-huisarts"}
ARBEIDSARTS = {"reference": "Practitioner/voorbeeld-arbeidsarts"}
FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


def _referral(
    key: str = "vw-1", ontvanger: dict[str, str] = ARBEIDSARTS
) -> tuple[dict[str, Any], dict[str, Any]]:
    return verwijzing(
        id=key,
        patient={"reference": "Patient/voorbeeld-lotte"},
        verwijzer=HUISARTS,
        ontvanger=ontvanger,
        rol="preventieadviseur-arbeidsarts",
        reden="Re-integratietraject: aangepast werk na beslissing B.",
        datum="2026-11-12",
    )


def test_a_referral_is_an_active_order_with_a_requested_task_focused_on_it() -> None:
    request, task = _referral()
    assert (request["status"], request["intent"]) == ("active", "order")
    assert task["focus"] == {"reference": "ServiceRequest/vw-1"}
    assert (task["status"], task["owner"], task["requester"]) == ("requested", ARBEIDSARTS, HUISARTS)


def test_the_receiver_accepts_starts_and_completes() -> None:
    _, task = _referral()
    for step in ("accepted", "in-progress", "completed"):
        task = verder(task, step, ARBEIDSARTS)
        assert task["status"] == step


@pytest.mark.parametrize(
    ("path", "door", "melding"),
    [
        (["accepted"], HUISARTS, "Alleen de ontvanger"),  # the placer cannot accept for the receiver
        (["cancelled"], ARBEIDSARTS, "Alleen de verwijzer"),  # the receiver rejects, it does not cancel
        (["completed"], ARBEIDSARTS, "niet van 'requested' naar 'completed'"),
        (["rejected", "accepted"], ARBEIDSARTS, "niet van 'rejected' naar 'accepted'"),  # terminal
    ],
)
def test_a_step_out_of_turn_is_refused(path: list[str], door: dict[str, str], melding: str) -> None:
    _, task = _referral()
    *before, last = path
    for step in before:
        task = verder(task, step, ARBEIDSARTS)  # type: ignore[arg-type]
    with pytest.raises(OngeldigeInvoerError) as caught:
        verder(task, last, door)  # type: ignore[arg-type]
    assert melding in caught.value.melding
    assert caught.value.waar == "Task.status"


def test_rejecting_and_cancelling_keep_a_reason() -> None:
    _, task = _referral()
    rejected = verder(task, "rejected", ARBEIDSARTS, reden="Geen arbeidsovereenkomst bij deze werkgever.")
    cancelled = verder(task, "cancelled", HUISARTS, reden="Werk hervat.")
    assert rejected["statusReason"] == {"text": "Geen arbeidsovereenkomst bij deze werkgever."}
    assert cancelled["status"] == "cancelled"
    assert {to for (_, to) in OVERGANGEN} == {"accepted", "rejected", "cancelled", "in-progress", "completed"}


@pytest.mark.hapi
def test_the_life_cycle_on_hapi_and_the_receivers_worklist(
    fhir_server_url: str, hapi_cleanup: HapiCleanup
) -> None:
    key = f"vw-{uuid.uuid4().hex[:12]}"
    owner = {"reference": f"Practitioner/{key}-arbeidsarts"}
    request, task = _referral(key, owner)
    with httpx.Client(base_url=fhir_server_url, headers=FHIR_JSON, timeout=60) as http:
        for resource in (
            {"resourceType": "Practitioner", "id": f"{key}-arbeidsarts"},
            {"resourceType": "Practitioner", "id": "voorbeeld-huisarts"},
            {"resourceType": "Patient", "id": "voorbeeld-lotte"},
            request,
            task,
        ):
            put = http.put(f"/{resource['resourceType']}/{resource['id']}", json=resource)
            assert put.status_code in (200, 201), put.text[:500]
            if put.status_code == 201:  # what this test made it removes (the examples' people too)
                hapi_cleanup.add(f"{resource['resourceType']}/{resource['id']}")
        worklist = http.get("/Task", params={"owner": owner["reference"], "status": "requested"}).json()
        assert [e["resource"]["id"] for e in worklist.get("entry", [])] == [task["id"]]
        for step in ("accepted", "in-progress", "completed"):
            current = http.get(f"/Task/{task['id']}")
            moved = verder(current.json(), step, owner)
            put = http.put(f"/Task/{task['id']}", json=moved, headers={"If-Match": current.headers["ETag"]})
            assert put.status_code == 200, put.text[:500]
        history = http.get(f"/Task/{task['id']}/_history").json()
        statuses = [e["resource"]["status"] for e in reversed(history["entry"])]
        assert statuses == ["requested", "accepted", "in-progress", "completed"]
        assert (
            http.get("/Task", params={"owner": owner["reference"], "status": "requested"}).json().get("total")
            == 0
        )
        done = http.get("/Task", params={"focus": f"ServiceRequest/{key}", "status": "completed"}).json()
        assert [e["resource"]["id"] for e in done["entry"]] == [task["id"]]
        assert http.get(f"/ServiceRequest/{key}").json()["status"] == "active"  # only the placer changes it
