"""Questionnaire read and search over the published artifacts, and SDC ``$assemble``.

Read-only: the Questionnaires are those fhir-werk publishes (``fhir_werk.publishing``).
``$assemble`` (https://hl7.org/fhir/uv/sdc/STU4/OperationDefinition-Questionnaire-assemble.html)
returns the assembled Questionnaire itself (its ``return`` parameter); a Questionnaire that has
no modules is returned as it is.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.publishing import assemble, needs_assembly
from fhir_werk.service.api._service import BodyDep, Service, ServiceDep
from fhir_werk.service.core._bundles import searchset
from fhir_werk.service.core._http import fhir_response, parse_resource
from fhir_werk.service.core._ids import checked_id
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._search import RESULT_PARAMETERS, paging
from fhir_werk.shared import InvalidInputError, NotFoundError, Resource, bad_request, not_found

ASSEMBLE: Final = "http://hl7.org/fhir/uv/sdc/OperationDefinition/Questionnaire-assemble"
SEARCH: Final = {
    "url": ("uri", "Canonieke URL (exact)."),
    "version": ("token", "Versie (exact)."),
    "name": ("string", "Naam; begint met, zonder onderscheid in hoofdletters en accenten."),
    "title": ("string", "Titel; begint met, zonder onderscheid in hoofdletters en accenten."),
    "status": ("token", "draft | active | retired | unknown"),
}


def _fold(text: str) -> str:
    """FHIR string search: case- and accent-insensitive."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _matches(questionnaire: Resource, name: str, values: list[str]) -> bool:
    found = questionnaire.get(name)
    if not isinstance(found, str):
        return False
    if SEARCH[name][0] == "string":
        return any(_fold(found).startswith(_fold(v)) for v in values)
    return found in values


def _questionnaires(service: Service) -> list[Resource]:
    return service.artifacts.of_type("Questionnaire")


def _find(service: Service, resource_id: str) -> Resource:
    checked_id(resource_id)
    for questionnaire in _questionnaires(service):
        if questionnaire.get("id") == resource_id:
            return questionnaire
    raise NotFoundError(
        not_found(
            f"Questionnaire/{resource_id} bestaat niet.", f"Questionnaire/{resource_id} does not exist."
        )
    )


def read(id: str, request: Request, service: ServiceDep) -> Response:
    """``GET /Questionnaire/{id}``."""
    return fhir_response(request, _find(service, id))


def search(request: Request, service: ServiceDep) -> Response:
    """``GET /Questionnaire?url=&version=&name=&title=&status=``."""
    found = _questionnaires(service)
    for name, value in request.query_params.multi_items():
        if name in RESULT_PARAMETERS:
            continue
        if name not in SEARCH:
            raise InvalidInputError(
                bad_request(
                    f"Zoekparameter '{name[:40]}' wordt niet ondersteund.",
                    f"Search parameter '{name[:40]}' is not supported.",
                    name[:40],
                ),
                400,
            )
        values = [v for v in value.split(",") if v]
        found = [q for q in found if _matches(q, name, values)]
    count, offset = paging(request.query_params, service.settings.page_size, service.settings.max_page_size)
    return fhir_response(
        request, searchset(request, found[offset : offset + count], len(found), count, offset)
    )


def _assembled(service: Service, questionnaire: Resource) -> Resource:
    if not needs_assembly(questionnaire):
        return questionnaire
    return assemble(questionnaire, service.artifacts.get)


def assembled_questionnaire(service: Service, resource_id: str) -> Resource:
    """The published Questionnaire ``resource_id`` as it is filled in (assembled); 404 if unknown."""
    return _assembled(service, _find(service, resource_id))


def assemble_instance(id: str, request: Request, service: ServiceDep) -> Response:
    """``GET /Questionnaire/{id}/$assemble``."""
    return fhir_response(request, _assembled(service, _find(service, id)))


def assemble_type(request: Request, service: ServiceDep, body: BodyDep) -> Response:
    """``POST /Questionnaire/$assemble`` with a Questionnaire, or Parameters holding one as
    ``questionnaire``."""
    given = parse_resource(body, ("Questionnaire", "Parameters"), service.settings.max_body_bytes)
    if given["resourceType"] == "Parameters":
        given = _parameter(given, "questionnaire", "Questionnaire")
    return fhir_response(request, _assembled(service, given))


def _parameter(parameters: Resource, name: str, resource_type: str) -> Resource:
    for parameter in parameters.get("parameter", []) if isinstance(parameters.get("parameter"), list) else []:
        if isinstance(parameter, dict) and parameter.get("name") == name:
            resource = parameter.get("resource")
            if isinstance(resource, dict) and resource.get("resourceType") == resource_type:
                return resource
    raise InvalidInputError(
        bad_request(
            f"Parameters mist de parameter '{name}' met een {resource_type}.",
            f"Parameters lacks the parameter '{name}' holding a {resource_type}.",
            f"Parameters.parameter.where(name='{name}')",
        ),
        400,
    )


ROUTES: Final = (
    Route(
        "POST",
        "/Questionnaire/$assemble",
        assemble_type,
        "SDC $assemble (type)",
        "Questionnaire",
        operation="assemble",
        definition=ASSEMBLE,
        body=True,
    ),
    Route(
        "GET",
        "/Questionnaire/{id}/$assemble",
        assemble_instance,
        "SDC $assemble",
        "Questionnaire",
        operation="assemble",
        definition=ASSEMBLE,
    ),
    Route("GET", "/Questionnaire/{id}", read, "Questionnaire lezen", "Questionnaire", "read"),
    Route(
        "GET", "/Questionnaire", search, "Questionnaire zoeken", "Questionnaire", "search-type", search=SEARCH
    ),
)
