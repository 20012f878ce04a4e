"""The schema of the YAML sources, checked with pydantic so that a typo fails loudly."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

ItemType = Literal[
    "group",
    "display",
    "help",
    "links",
    "text",
    "string",
    "boolean",
    "integer",
    "date",
    "choice",
    "scale",
    "reference",
]


class SourcePopulation(BaseModel):
    """A named FHIRPath expression: an item population context (SDC ``$populate``)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    expression: str


class SourceVariable(BaseModel):
    """A Questionnaire variable filled from the patient's record by a FHIR query (x-fhir-query)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    query: str
    description: str
    en: str


class SourceItem(BaseModel):
    """One item of a source file. ``group:`` is shorthand for ``linkId`` + ``type: group``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    link_id: str | None = Field(default=None, alias="linkId")
    group: str | None = None
    type: ItemType | None = None
    text: str | None = None
    en: str | None = None
    required: bool = False
    repeats: bool = False
    when: dict[str, Literal["exists", "missing"] | list[str] | bool] | None = None
    value_set: str | None = Field(default=None, alias="valueSet")
    control: str | None = None
    code: str | None = None
    anchors: Literal["positief", "invloed"] | None = None
    plus_one: str | None = None
    extract: str | None = None
    # SDC $populate: filled from the patient's record, hidden or shown read-only.
    # ``followup``: only in the follow-up conversation's Questionnaire (the review part).
    followup: bool = False
    hidden: bool = False
    read_only: bool = Field(default=False, alias="readOnly")
    initial: str | None = None
    context: SourcePopulation | None = None
    items: list[SourceItem] = Field(default_factory=list)
    # Placeholders of the root: the situation question, and the theme modules.
    situation: bool = False
    themes: list[int] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """The linkId, whichever spelling the source used."""
        value = self.link_id or self.group
        if value is None:
            raise ValueError("item without linkId")
        return value

    @property
    def kind(self) -> ItemType:
        """The item type; ``group:`` items are groups."""
        if self.group is not None:
            return "group"
        if self.type is None:
            raise ValueError(f"item {self.link_id}: type missing")
        return self.type


class SourceFollowUp(BaseModel):
    """The follow-up conversation's Questionnaire made from the same source (``vervolggesprek``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    title: str
    title_en: str
    description: str
    description_en: str


class SourceQuestionnaire(BaseModel):
    """A theme or the root leidraad."""

    model_config = ConfigDict(extra="forbid")

    id: str
    number: int | None = None
    name: str
    title: str
    title_en: str
    description: str | None = None
    description_en: str | None = None
    variables: list[SourceVariable] = Field(default_factory=list)
    followup: SourceFollowUp | None = None
    items: list[SourceItem]


class SourceConcept(BaseModel):
    """One code of a code list."""

    model_config = ConfigDict(extra="forbid")

    code: str
    display: str
    en: str
    definition: str | None = None


class SourceCodeSystem(BaseModel):
    """A code list: becomes a CodeSystem and a ValueSet with the same id."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    title: str
    title_en: str
    description: str
    description_en: str
    concepts: list[SourceConcept]


class SourceValueSet(BaseModel):
    """A ValueSet that selects codes of one code list."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    title: str
    title_en: str
    system: str
    codes: list[str]


class SourceCodes(BaseModel):
    """The file ``codes.yaml``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    code_systems: list[SourceCodeSystem] = Field(alias="codeSystems")
    value_sets: list[SourceValueSet] = Field(alias="valueSets")


class SourceCompanion(SourceQuestionnaire):
    """A companion Questionnaire (``re-integratie.yaml``) that brings its own code lists."""

    code_systems: list[SourceCodeSystem] = Field(default_factory=list, alias="codeSystems")
    value_sets: list[SourceValueSet] = Field(default_factory=list, alias="valueSets")


COMPANIONS = ("re-integratie.yaml",)
"""The companion Questionnaires' sources, beside the leidraad."""


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_codes(source_dir: Path) -> SourceCodes:
    """Read ``codes.yaml`` and the code lists of the companion Questionnaires."""
    codes = SourceCodes.model_validate(_load(source_dir / "codes.yaml"))
    for companion in load_companions(source_dir):
        codes.code_systems += companion.code_systems
        codes.value_sets += companion.value_sets
    return codes


def load_companions(source_dir: Path) -> list[SourceCompanion]:
    """Read the companion Questionnaires' sources (:data:`COMPANIONS`)."""
    return [SourceCompanion.model_validate(_load(source_dir / name)) for name in COMPANIONS]


def load_themes(source_dir: Path) -> list[SourceQuestionnaire]:
    """Read the nine ``thema-*.yaml`` files, in theme order."""
    themes = [SourceQuestionnaire.model_validate(_load(p)) for p in sorted(source_dir.glob("thema-*.yaml"))]
    return sorted(themes, key=lambda t: t.number or 0)


def load_root(source_dir: Path) -> SourceQuestionnaire:
    """Read ``leidraad.yaml``."""
    return SourceQuestionnaire.model_validate(_load(source_dir / "leidraad.yaml"))
