"""Publishing the questionnaires: the artifacts in ``questionnaires/fhir/`` as a library user sees them.

In: the generated JSON files (package data). Out: :class:`Artifacts` (Questionnaires, CodeSystems,
ValueSets by canonical URL), SDC ``$assemble`` of the modular leidraad, and the FHIR NPM package.
"""

from fhir_werk.publishing._artifacts import Artifacts, Code, published
from fhir_werk.publishing._assemble import assemble, needs_assembly
from fhir_werk.publishing._package import build_package, write_package

__all__ = ["Artifacts", "Code", "assemble", "build_package", "needs_assembly", "published", "write_package"]
