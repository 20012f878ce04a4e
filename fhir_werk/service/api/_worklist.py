"""Read and search the re-integratie milestones as Tasks: a patient's clock and a clinician's
worklist across their patients (https://hl7.org/fhir/R4/task.html#search).

The Tasks are the local copies the extraction of a ``re-integratie`` response made
(:mod:`..storage._plan_store`), read-only here. Their ``status`` and ``businessStatus`` are
recomputed as of today (:func:`fhir_werk.reintegratie.op_dag`, today from the service's clock
:func:`..core._time.today`) whenever they are read: the stored ones are as of the day the response
was authored. A search sorts them by date (then legal basis), and filters by what
:mod:`..core._task_search` reads from the query.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.reintegratie import activiteiten, datum_van, op_dag
from fhir_werk.service.api._service import Service, ServiceDep
from fhir_werk.service.core import _time
from fhir_werk.service.core._bundles import searchset
from fhir_werk.service.core._http import etag, fhir_response
from fhir_werk.service.core._ids import checked_id
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._search import paging
from fhir_werk.service.core._task_search import TASK_PARAMETERS, task_criteria
from fhir_werk.service.storage import _plan_store
from fhir_werk.shared import NotFoundError, Resource, code_system, not_found

_WERK: Final = (code_system("careplan-categorie"), "werk")


def _order(task: Resource) -> tuple[str, str, str]:
    """By date, then legal basis (as the clock lists them), then id."""
    found = datum_van(task)
    codings = task.get("code", {}).get("coding", [{}])
    return (found.isoformat() if found else "9999", str(codings[0].get("code", "")), task["id"])


def _is_werk(plan: Resource) -> bool:
    return any(
        (coding.get("system"), coding.get("code")) == _WERK
        for concept in plan.get("category", [])
        if isinstance(concept, dict)
        for coding in concept.get("coding", [])
        if isinstance(coding, dict)
    )


def with_milestones(service: Service, plan: Resource) -> Resource:
    """The CarePlan Werk ``plan`` with its patient's milestone Tasks as activities (each a
    reference to its Task, by date), after the activities it has; any other CarePlan as it is.

    A view, made when the plan is read, not stored: the plan's own version and activities are
    what its extraction wrote (a clinician's edit of them in the EPD is never overwritten, the EPD
    gets the milestones in the CarePlan "Re-integratie"), and the milestones follow every
    correction of the re-integratie answers without a new version of the plan.
    """
    subject = plan.get("subject")
    patient = subject.get("reference") if isinstance(subject, dict) else None
    if not _is_werk(plan) or not isinstance(patient, str):
        return plan
    tasks = sorted(_plan_store.all_of(service.engine, "Task", [patient]), key=_order)
    known = {
        str(activity.get("reference", {}).get("reference"))
        for activity in plan.get("activity", [])
        if isinstance(activity, dict)
    }
    added = [a for a in activiteiten(tasks) if a["reference"]["reference"] not in known]
    return plan | {"activity": [*plan.get("activity", []), *added]} if added else plan


def read(id: str, request: Request, service: ServiceDep) -> Response:
    """``GET /Task/{id}``: one milestone, its state as of today."""
    found = _plan_store.read(service.engine, "Task", checked_id(id))
    if found is None:
        raise NotFoundError(not_found(f"Task/{id} bestaat niet.", f"Task/{id} does not exist."), 404)
    headers = {"ETag": etag(int(found["meta"]["versionId"])), "Last-Modified": found["meta"]["lastUpdated"]}
    return fhir_response(request, op_dag(found, _time.today()), 200, headers)


def search(request: Request, service: ServiceDep) -> Response:
    """``GET /Task?patient=&owner=&status=&business-status=&period=&performer=&code=``, with
    ``_count`` and ``_offset``; sorted by date."""
    criteria = task_criteria(request.query_params.multi_items())
    count, offset = paging(request.query_params, service.settings.page_size, service.settings.max_page_size)
    chosen = sorted(criteria.patients) if criteria.patients is not None else None
    today = _time.today()
    tasks = [op_dag(task, today) for task in _plan_store.all_of(service.engine, "Task", chosen)]
    found = sorted((task for task in tasks if criteria.matches(task)), key=_order)
    return fhir_response(
        request, searchset(request, found[offset : offset + count], len(found), count, offset)
    )


ROUTES: Final = (
    Route("GET", "/Task/{id}", read, "Task lezen (mijlpaal, stand van vandaag)", "Task", "read"),
    Route(
        "GET",
        "/Task",
        search,
        "Task zoeken: de mijlpalen van een patiënt, de werklijst van een zorgverlener",
        "Task",
        "search-type",
        search=TASK_PARAMETERS,
    ),
)
