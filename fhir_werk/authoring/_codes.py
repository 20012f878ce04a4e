"""CodeSystems, ValueSets and the StructureDefinitions of fhir-werk's own extensions."""

from __future__ import annotations

from typing import Any, Final

from fhir_werk.authoring._metadata import metadata
from fhir_werk.authoring._source import SourceCodes, SourceCodeSystem, SourceConcept, SourceValueSet
from fhir_werk.reintegratie import GRONDSLAGEN
from fhir_werk.shared import FHIR_VERSION, code_system

# FHIR's own profile for a ValueSet meant to be shared (url, version, name, status, experimental,
# publisher, description required); HAPI holds its definition, so the claim is checked.
SHAREABLE_VALUE_SET: Final = "http://hl7.org/fhir/StructureDefinition/shareablevalueset"


def _code_system(source: SourceCodeSystem) -> dict[str, Any]:
    resource = metadata(
        "CodeSystem",
        source.id,
        source.name,
        (source.title, source.title_en),
        (source.description, source.description_en),
    )
    resource |= {
        "caseSensitive": True,
        "valueSet": resource["url"].replace("/CodeSystem/", "/ValueSet/"),
        "content": "complete",
        "count": len(source.concepts),
        "concept": [_concept(c) for c in source.concepts],
    }
    return resource


def _concept(source: SourceConcept) -> dict[str, Any]:
    concept: dict[str, Any] = {"code": source.code, "display": source.display}
    if source.definition is not None:
        concept["definition"] = source.definition
    return concept | {"designation": [{"language": "en", "value": source.en}]}


def legal_bases() -> SourceCodeSystem:
    """The CodeSystem ``re-integratie-grondslag``, from the clock's own table (one source)."""
    return SourceCodeSystem(
        id="re-integratie-grondslag",
        name="ReIntegratieGrondslag",
        title="Wettelijke grondslagen van de re-integratiemijlpalen (Nederland en België)",
        title_en="Legal bases of the reintegration milestones (the Netherlands and Belgium)",
        description=(
            "Elke mijlpaal van de re-integratieklok (fhir-werk tijdlijn, het plan Werk) met de regel, de "
            "telling en de bron: NL Wet verbetering poortwachter en Ziektewet, BE codex welzijn op het "
            "werk zoals gewijzigd bij KB 11-09-2022 (sinds 01-10-2022). Zie docs/reintegratie.md."
        ),
        description_en=(
            "Each milestone of the reintegration clock with its rule, counting and source: NL Wet "
            "verbetering poortwachter and Ziektewet, BE well-being at work code as amended on 11-09-2022."
        ),
        concepts=[
            SourceConcept(code=b.code, display=b.display, en=b.en, definition=b.definitie)
            for b in GRONDSLAGEN
        ],
    )


def _value_set_all(source: SourceCodeSystem) -> dict[str, Any]:
    resource = metadata(
        "ValueSet",
        source.id,
        source.name,
        (source.title, source.title_en),
        (source.description, source.description_en),
    )
    resource["compose"] = {"include": [{"system": code_system(source.id)}]}
    return _claiming(resource, SHAREABLE_VALUE_SET)


def _claiming(resource: dict[str, Any], profile: str) -> dict[str, Any]:
    """``resource`` claiming ``profile`` in ``meta.profile`` (right after its id)."""
    head = {k: resource[k] for k in ("resourceType", "id")}
    return {**head, "meta": {"profile": [profile]}, **resource}


def _value_set_subset(source: SourceValueSet) -> dict[str, Any]:
    # No description: it claims no ShareableValueSet (which requires one).
    resource = metadata("ValueSet", source.id, source.name, (source.title, source.title_en))
    resource["compose"] = {
        "include": [{"system": code_system(source.system), "concept": [{"code": c} for c in source.codes]}]
    }
    return resource


def terminology(codes: SourceCodes) -> list[dict[str, Any]]:
    """Every CodeSystem, the ValueSet of each whole code list, and the subset ValueSets."""
    code_systems = [*codes.code_systems, legal_bases()]
    resources = [_code_system(cs) for cs in code_systems]
    resources += [_value_set_all(cs) for cs in code_systems]
    resources += [_value_set_subset(vs) for vs in codes.value_sets]
    return resources


def _extension_definition(
    resource_id: str,
    name: str,
    title: tuple[str, str],
    description: tuple[str, str],
    context: str,
    value_type: str,
) -> dict[str, Any]:
    resource = metadata("StructureDefinition", resource_id, name, title, description)
    resource |= {
        "fhirVersion": FHIR_VERSION,
        "kind": "complex-type",
        "abstract": False,
        # A "fhirpath" context, not "element": the HL7 validator in HAPI FHIR 8.x
        # (org.hl7.fhir.validation 6.7.x) checks an element context by loading the core package
        # of each FHIR version in range, and its version match ("4.0" against "4.0.1") fails, so
        # it fetches hl7.fhir.r4.core from packages.fhir.org. An offline server then rejects the
        # definition ("Unable to resolve package id hl7.fhir.r4.core#null"). The validator checks
        # a fhirpath context against the resource itself and needs no package; it only warns
        # that the path could have been an element context. Evaluated from the resource root,
        # the same expression selects the nodes the extension belongs on.
        "context": [{"type": "fhirpath", "expression": context}],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {
            "element": [
                {
                    "id": "Extension",
                    "path": "Extension",
                    "short": title[0],
                    "definition": description[0],
                    "max": "1",
                },
                {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
                {"id": "Extension.url", "path": "Extension.url", "fixedUri": resource["url"]},
                {
                    "id": "Extension.value[x]",
                    "path": "Extension.value[x]",
                    "min": 1,
                    "type": [{"code": value_type}],
                },
            ]
        },
    }
    return resource


def extension_definitions() -> list[dict[str, Any]]:
    """The two extensions fhir-werk defines."""
    return [
        _extension_definition(
            "alleen-zelfstandig",
            "AlleenZelfstandig",
            ("Alleen als het thema los wordt gebruikt", "Only when the theme is used on its own"),
            (
                "Dit item hoort bij een thema dat los wordt ingevuld; in de samengestelde leidraad wordt het "
                "weggelaten omdat de leidraad dezelfde vraag één keer stelt.",
                "This item belongs to a theme used on its own; the assembled guide leaves it out because the "
                "guide asks the same question once.",
            ),
            "Questionnaire.item",
            "boolean",
        ),
        _extension_definition(
            "actorrol",
            "ActorRol",
            ("Rol van de uitvoerder", "Role of the performer"),
            (
                "De rol (codelijst actorrol) van wie een afgesproken stap uitvoert.",
                "The role (code list actorrol) of whoever carries out an agreed step.",
            ),
            "CarePlan.activity.detail.performer",
            "Coding",
        ),
    ]
