"""The engine's fast path: the FHIRPath most templates use (member paths, ``where``, ``first()``,
``%resource.repeat(item)`` …) compiled once to plain Python, on a view of the data that keeps
FHIR JSON's ``_name`` companions out of the way. Anything outside it goes to fhirpathpy.
"""

from fhir_werk.extraction.sdc._fastpath._primitives import PlainView, Tagged
from fhir_werk.extraction.sdc._fastpath._quick import Quick
from fhir_werk.extraction.sdc._fastpath._steps import VALUE_TYPES, OutsideSubsetError, ResponseIndex, Scope
from fhir_werk.extraction.sdc._fastpath._subset import compile_subset

__all__ = [
    "VALUE_TYPES",
    "OutsideSubsetError",
    "PlainView",
    "Quick",
    "ResponseIndex",
    "Scope",
    "Tagged",
    "compile_subset",
]
