"""Interoperability test of the whole module against a real FHIR server (``fhir-werk interop``).

In: a FHIR base URL. Out: a :class:`Report` of checks (upload, ``$validate``, extraction,
transactions twice, read back).
"""

from fhir_werk.interop._interop import Check, ProfileCount, Report, planned_steps, run_interop

__all__ = ["Check", "ProfileCount", "Report", "planned_steps", "run_interop"]
