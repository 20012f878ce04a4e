"""What the item checks share during one validation: the Checks state and the question label.

Each check takes a response node (or a list of nodes) and yields OperationOutcome issues with
a Dutch message, its English translation and the linkId path as ``expression``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from fhir_werk.publishing import Artifacts, Code
from fhir_werk.shared import Resource, Severity
from fhir_werk.validation._enable_when import Enablement
from fhir_werk.validation._index import RNode

Issues = Iterator[Resource]


@dataclass(slots=True)
class Checks:
    """What the item checks share during one validation."""

    enablement: Enablement
    artifacts: Artifacts | None
    required_severity: Severity
    questionnaire: Resource
    _value_sets: dict[str, frozenset[Code] | None] = field(default_factory=dict)
    _unchecked: set[str] = field(default_factory=set)

    def value_set(self, canonical: str) -> frozenset[Code] | None:
        """The codes of an answerValueSet (``#id`` for a contained one), None when unknown."""
        if canonical not in self._value_sets:
            if canonical.startswith("#"):
                codes = _contained_codes(self.questionnaire, canonical[1:])
            else:
                codes = self.artifacts.value_set_codes(canonical) if self.artifacts else None
            self._value_sets[canonical] = codes
        return self._value_sets[canonical]

    def first_unchecked(self, canonical: str) -> bool:
        """True the first time a ValueSet is found unknown (so it is reported once)."""
        first = canonical not in self._unchecked
        self._unchecked.add(canonical)
        return first


def _contained_codes(questionnaire: Resource, vs_id: str) -> frozenset[Code] | None:
    for resource in questionnaire.get("contained") or ():
        if isinstance(resource, dict) and resource.get("id") == vs_id:
            codes: set[Code] = set()
            for include in resource.get("compose", {}).get("include", []):
                if not include.get("concept"):
                    # A whole CodeSystem: expanding it needs the CodeSystem, which a contained
                    # ValueSet does not bring; report it unchecked rather than guess.
                    return None
                codes.update((include.get("system", ""), c.get("code")) for c in include["concept"])
            stack = list(resource.get("expansion", {}).get("contains", []))
            while stack:
                entry = stack.pop()
                codes.add((entry.get("system", ""), entry.get("code")))
                stack.extend(entry.get("contains", []))
            return frozenset(codes)
    return None


def label(node: RNode) -> str:
    return f"'{node.link_id}'"
