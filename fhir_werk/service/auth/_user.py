"""What a ``user/`` scope reaches, by the token's ``fhirUser`` claim (SMART App Launch:
https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html#fhiruser).

A ``user/`` scope grants what the user may see; the user is the ``fhirUser`` resource:

- ``Patient/x``: the patient themself, so exactly a patient token's reach (:mod:`._patient`)
  for patient ``x``;
- ``RelatedPerson/y``: someone related to a patient; who that patient is, the issuer knows (the
  service keeps no RelatedPerson), so the token's ``patient`` launch claim is the patient, and
  without it the token reaches no one's data;
- ``Practitioner``/``PractitionerRole``: every patient (the care relation is the EPD's, which
  issued the scope), but a response they write cannot name another practitioner of the same
  type as its ``author`` (403): a clinician does not sign for a colleague;
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


async def _check_author(request: Request, route: Route, service: Service, user: str) -> None:
    if route.resource != "QuestionnaireResponse" or route.interaction not in ("create", "update"):
        return
    data = await read_body(request, service.settings.max_body_bytes)
    request._body = data  # the route reads the body again; Starlette replays a cached _body
    author = response_of(data, service, "resource").get("author")
    reference = author.get("reference") if isinstance(author, dict) else None
    if not isinstance(reference, str):
        return
    named = "/".join(reference.rstrip("/").split("/")[-2:])
    if named.split("/")[0] == user.split("/")[0] and named != user:
        raise _refused(
            "De auteur van deze QuestionnaireResponse is een andere zorgverlener dan de gebruiker "
            "van het token (fhirUser).",
            "The author of this QuestionnaireResponse is another practitioner than the token's "
            "user (fhirUser).",
        )
