"""Authoring: the clinician-readable YAML sources in ``questionnaires/bron/`` become the FHIR
artifacts in ``questionnaires/fhir/`` (``fhir-werk generate``)."""

from fhir_werk.authoring._generate import build_all, check, write

__all__ = ["build_all", "check", "write"]
