"""What a ``user/`` scope reaches, by the token's ``fhirUser`` claim (SMART App Launch:
https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#fhiruser).

A ``user/`` scope grants what the user may see; the user is the ``fhirUser`` resource:

- ``Patient/x``: the patient themself, so exactly a patient token's reach (:mod:`._patient`)
  for patient ``x``;
- ``RelatedPerson/y``: someone related to a patient; who that patient is, the issuer knows (the
  service keeps no RelatedPerson), so the token's ``patient`` launch claim is the patient, and
  without it the token reaches no one's data;
- ``Practitioner``/``PractitionerRole``: every patient (the care relation is the EPD's, which
  issued the scope), but a response they create, update or delete cannot have another
  practitioner (or a PractitionerRole other than the user) as its ``author``, stored or sent,
  nor an author that is only a display or an identifier (403): a clinician does not sign for,
  take over or delete a colleague's response;
- no ``fhirUser`` claim: every patient, as before (an EPD that issues ``user/`` scopes without
  naming the user vouches for the reach); any other or unreadable ``fhirUser``: 403.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request

from fhir_werk.service.api._response_ops import response_of
from fhir_werk.service.api._service import Service
from fhir_werk.service.auth._patient import check_patient
from fhir_werk.service.auth._tokens import Principal
from fhir_werk.service.core._http import read_body
from fhir_werk.service.core._references import normalised, reference_of
from fhir_werk.service.core._routes import Route
from fhir_werk.shared import FhirWerkError, forbidden

PRACTITIONERS: Final = frozenset({"Practitioner", "PractitionerRole"})


def _refused(nl: str, en: str) -> FhirWerkError:
    return FhirWerkError(forbidden(nl, en), 403)


async def check_user(request: Request, route: Route, service: Service, principal: Principal) -> None:
    """Raise 403 unless the request stays within what the ``fhirUser`` may reach."""
    user = principal.fhir_user
    if user is None:
        return
    kind, _, user_id = user.partition("/")
    if kind == "Patient":
        await check_patient(request, route, service, user_id)
    elif kind == "RelatedPerson":
        await check_patient(request, route, service, principal.patient)
    elif kind in PRACTITIONERS:
        await _check_author(request, route, service, user)
    else:
        raise _refused(
            "Met dit soort fhirUser geeft een user/-scope geen toegang tot patiëntgegevens.",
            "With this kind of fhirUser a user/ scope grants no access to patient data.",
        )


def _not_the_user() -> FhirWerkError:
    return _refused(
        "De auteur van deze QuestionnaireResponse is niet de gebruiker van het token (fhirUser): een "
        "zorgverlener tekent niet voor een collega, en een auteur alleen als naam of kenmerk kan "
        "niemand nagaan.",
        "The author of this QuestionnaireResponse is not the token's user (fhirUser): a practitioner "
        "does not sign for a colleague, and an author given only as a name or identifier cannot be "
        "checked.",
    )


def _authored_by_other(author: object, user: tuple[str, str] | None) -> bool:
    """Whether ``author`` is someone a practitioner user may not write for: another practitioner
    (``_history`` and absolute URLs normalised; a PractitionerRole stands for a practitioner the
    service cannot resolve, so only the user's own counts), or an author without a reference."""
    if not isinstance(author, dict):
        return False
    found = reference_of(author)
    if found is None:
        return True  # a display or an identifier only (or an unreadable reference): no one to check
    return found[0] in PRACTITIONERS and found != user


async def _check_author(request: Request, route: Route, service: Service, user: str) -> None:
    if route.resource != "QuestionnaireResponse" or route.interaction not in ("create", "update", "delete"):
        return
    me = normalised(user)
    if "id" in request.path_params:
        # Update and delete act on what is stored: a colleague's response is not taken over.
        stored = service.store.read(str(request.path_params["id"])[:64])
        if stored is not None and _authored_by_other(stored.resource.get("author"), me):
            raise _not_the_user()
    if route.interaction == "delete":
        return
    data = await read_body(request, service.settings.max_body_bytes)
    request._body = data  # the route reads the body again; Starlette replays a cached _body
    if _authored_by_other(response_of(data, service, "resource").get("author"), me):
        raise _not_the_user()
