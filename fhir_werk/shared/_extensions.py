"""Every extension URL fhir-werk writes or reads, defined once.

The generator writes them into the Questionnaires; assembly, validation and extraction read them
back. Keeping one list avoids a typo in one stage silently breaking another.
"""

from typing import Final

from fhir_werk.shared._canonical import BASE, CORE_EXT, SDC

# SDC 4.0.0 (http://hl7.org/fhir/uv/sdc)
TEMPLATE_EXTRACT: Final = SDC + "sdc-questionnaire-templateExtract"
TEMPLATE_EXTRACT_CONTEXT: Final = SDC + "sdc-questionnaire-templateExtractContext"
TEMPLATE_EXTRACT_VALUE: Final = SDC + "sdc-questionnaire-templateExtractValue"
OBSERVATION_EXTRACT: Final = SDC + "sdc-questionnaire-observationExtract"
OBSERVATION_CATEGORY: Final = SDC + "sdc-questionnaire-observation-extract-category"
SUB_QUESTIONNAIRE: Final = SDC + "sdc-questionnaire-subQuestionnaire"
ASSEMBLE_EXPECTATION: Final = SDC + "sdc-questionnaire-assemble-expectation"
ASSEMBLED_FROM: Final = SDC + "sdc-questionnaire-assembledFrom"
LAUNCH_CONTEXT: Final = SDC + "sdc-questionnaire-launchContext"
ITEM_POPULATION_CONTEXT: Final = SDC + "sdc-questionnaire-itemPopulationContext"
INITIAL_EXPRESSION: Final = SDC + "sdc-questionnaire-initialExpression"

# FHIR core
ITEM_CONTROL: Final = CORE_EXT + "questionnaire-itemControl"
RENDERING_XHTML: Final = CORE_EXT + "rendering-xhtml"
MIN_VALUE: Final = CORE_EXT + "minValue"
MAX_VALUE: Final = CORE_EXT + "maxValue"
SLIDER_STEP: Final = CORE_EXT + "questionnaire-sliderStepValue"
TRANSLATION: Final = CORE_EXT + "translation"
VARIABLE: Final = CORE_EXT + "variable"
HIDDEN: Final = CORE_EXT + "questionnaire-hidden"

# fhir-werk's own (StructureDefinitions published in questionnaires/fhir/)
STANDALONE_ONLY: Final = BASE + "/StructureDefinition/alleen-zelfstandig"
"""Marks an item a theme asks only when it is used on its own (see docs/questionnaires.md)."""
ACTOR_ROLE: Final = BASE + "/StructureDefinition/actorrol"
"""The coded role (code list ``actorrol``) of whoever performs an agreed step."""
