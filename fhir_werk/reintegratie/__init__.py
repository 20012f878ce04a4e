"""The legal clock of re-integration (the Netherlands and Belgium): answers in, milestones out.

Pure: no I/O. :func:`mijlpalen` turns :class:`Antwoorden` (country, work status, first
day of incapacity, the Belgian trajectory and decision, what already happened) into every
:class:`Mijlpaal` that applies, each with its date, the role that acts, its state on a given day
and its legal basis (:data:`GRONDSLAGEN`, the CodeSystem ``re-integratie-grondslag``). The counting
conventions (weeks from the first day of incapacity, calendar days, months) are in
docs/reintegratie.md, with the source of every rule. :func:`taken` puts the clock in the Werk
plan: a ``re-integratie`` response in, one FHIR Task per milestone out.
"""

from fhir_werk.reintegratie._grondslag import GRONDSLAGEN, Grondslag, grondslag
from fhir_werk.reintegratie._klok import (
    SITUATIES,
    Antwoorden,
    Land,
    Mijlpaal,
    OngeldigeInvoerError,
    Soort,
    Status,
    mijlpalen,
    situatie_code,
)
from fhir_werk.reintegratie._plan import IDENTIFIER_SYSTEM, activiteiten, antwoorden_uit, taken
from fhir_werk.reintegratie._stand import datum_van, op_dag, stand
from fhir_werk.reintegratie._telling import (
    eerste_werkdag_vanaf,
    na_weken,
    plus_maanden,
    week_begin,
    week_einde,
)
from fhir_werk.reintegratie._verwijzing import OVERGANGEN, TaakStatus, verder, verwijzing

__all__ = [
    "GRONDSLAGEN",
    "IDENTIFIER_SYSTEM",
    "OVERGANGEN",
    "SITUATIES",
    "Antwoorden",
    "Grondslag",
    "Land",
    "Mijlpaal",
    "OngeldigeInvoerError",
    "Soort",
    "Status",
    "TaakStatus",
    "activiteiten",
    "antwoorden_uit",
    "datum_van",
    "eerste_werkdag_vanaf",
    "grondslag",
    "mijlpalen",
    "na_weken",
    "op_dag",
    "plus_maanden",
    "situatie_code",
    "stand",
    "taken",
    "verder",
    "verwijzing",
    "week_begin",
    "week_einde",
]
