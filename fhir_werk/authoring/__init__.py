"""Authoring: the clinician-readable YAML sources in ``questionnaires/bron/`` become the FHIR
artifacts in ``questionnaires/fhir/`` (``fhir-werk generate``)."""

from fhir_werk.authoring._generate import build_all, check, write
from fhir_werk.authoring._response_builder import build_response

__all__ = ["build_all", "build_response", "check", "write"]
