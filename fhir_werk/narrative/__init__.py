"""Narratives: a resource in, the same resource with a generated Dutch ``text`` out.

In: any FHIR resource fhir-werk writes or publishes (as JSON data). Out: a copy with
``text.status = generated`` and an XHTML ``div`` within FHIR's rules, saying what a clinician
needs. Pure; imports nothing but :mod:`fhir_werk.shared`.
"""

from fhir_werk.narrative._narrate import narrated, narrated_bundle, narrative

__all__ = ["narrated", "narrated_bundle", "narrative"]
