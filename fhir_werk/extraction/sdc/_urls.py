"""The extension URLs the engine reads (SDC 4.0.0, http://hl7.org/fhir/uv/sdc), and the one of
CSIRO's it understands."""

from typing import Final

SDC: Final = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"

TEMPLATE_EXTRACT: Final = SDC + "sdc-questionnaire-templateExtract"
TEMPLATE_EXTRACT_BUNDLE: Final = SDC + "sdc-questionnaire-templateExtractBundle"
TEMPLATE_EXTRACT_CONTEXT: Final = SDC + "sdc-questionnaire-templateExtractContext"
TEMPLATE_EXTRACT_VALUE: Final = SDC + "sdc-questionnaire-templateExtractValue"
ALLOCATE_ID: Final = SDC + "sdc-questionnaire-extractAllocateId"
OBSERVATION_EXTRACT: Final = SDC + "sdc-questionnaire-observationExtract"
OBSERVATION_EXTRACT_ENTRY: Final = SDC + "sdc-questionnaire-observationExtractEntry"
OBSERVATION_CATEGORY: Final = SDC + "sdc-questionnaire-observation-extract-category"
DEFINITION_EXTRACT: Final = SDC + "sdc-questionnaire-definitionExtract"
DEFINITION_EXTRACT_VALUE: Final = SDC + "sdc-questionnaire-definitionExtractValue"
ITEM_EXTRACTION_CONTEXT: Final = SDC + "sdc-questionnaire-itemExtractionContext"
TARGET_STRUCTURE_MAP: Final = SDC + "sdc-questionnaire-targetStructureMap"
VARIABLE: Final = "http://hl7.org/fhir/StructureDefinition/variable"

CSIRO_PATCH_URL: Final = (
    "https://smartforms.csiro.au/ig/StructureDefinition/TemplateExtractExtensionPatchRequestUrl"
)
"""CSIRO's sub-extension of templateExtract: the entry becomes a PATCH of that URL (the template
is a FHIRPatch Parameters)."""
