"""Authoring: the clinician-readable YAML sources in ``questionnaires/bron/`` become the FHIR
artifacts in ``questionnaires/fhir/`` (``fhir-werk generate``)."""

from fhir_werk.authoring._generate import build_all, check, differences, write, write_into
from fhir_werk.authoring._response_builder import ANSWER_VALUE, answer_for, build_response

__all__ = [
    "ANSWER_VALUE",
    "answer_for",
    "build_all",
    "build_response",
    "check",
    "differences",
    "write",
    "write_into",
]
