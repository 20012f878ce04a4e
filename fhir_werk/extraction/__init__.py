"""Stage 3: SDC ``$extract`` of a valid response into the treatment plan's *Werk* section.

In: a QuestionnaireResponse and the published artifacts. Out: a transaction Bundle (CarePlan,
Goals, Observations, Consent, Provenance ...) with stable identities, and a text rendering of
the section for people.
"""

from fhir_werk.extraction._extract import extract
from fhir_werk.extraction._werk_section import render_werk_section

__all__ = ["extract", "render_werk_section"]
