"""Canonical URLs, versions and the attribution shared by every published resource.

Defined once here: the generator, the extraction engine, the package builder and the
adapters all read these names, so a change of base URL is a one-line change.
"""

from typing import Final

BASE: Final = "https://fhir-werk.nl/fhir"
"""Canonical base of every resource fhir-werk publishes."""

VERSION: Final = "0.1.0"
"""Semantic version of the published artifacts (Questionnaires, CodeSystems, ValueSets)."""

PACKAGE_NAME: Final = "nl.fhir-werk.leidraad"
"""Name of the FHIR NPM package (``fhir-werk package``)."""

FHIR_VERSION: Final = "4.0.1"

RELEASE_DATE: Final = "2026-11-24"
"""``date`` of the published artifacts; fixed so that generating them is reproducible."""

PUBLISHER: Final = "fhir-werk"

COPYRIGHT_NL: Final = (
    "Vragen en teksten uit de Gespreksleidraad 'Arbeid als medicijn', © Akwa GGZ 2017 "
    "(18 april 2017), onderdeel van de generieke module Arbeid als medicijn "
    "(www.ggzstandaarden.nl). FHIR-vertaling: fhir-werk."
)
COPYRIGHT_EN: Final = (
    "Questions and texts from the conversation guide 'Arbeid als medicijn' (Work as "
    "medicine), © Akwa GGZ 2017 (18 April 2017), part of the generic module Arbeid als "
    "medicijn (www.ggzstandaarden.nl). FHIR rendering: fhir-werk."
)

SDC: Final = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
"""Prefix of the SDC 4.0.0 extension URLs."""

CORE_EXT: Final = "http://hl7.org/fhir/StructureDefinition/"
"""Prefix of the FHIR core extension URLs (translation, itemControl, minValue ...)."""


def canonical(resource_type: str, resource_id: str) -> str:
    """Return the canonical URL of a published resource, e.g. ``canonical("CodeSystem", "thema")``."""
    return f"{BASE}/{resource_type}/{resource_id}"


def code_system(resource_id: str) -> str:
    """Return the canonical URL of one of our CodeSystems."""
    return canonical("CodeSystem", resource_id)


def value_set(resource_id: str) -> str:
    """Return the canonical URL of one of our ValueSets."""
    return canonical("ValueSet", resource_id)
