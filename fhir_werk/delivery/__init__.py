"""Stage 4: delivery of an extracted bundle into an EPD, with consent and audit around every push.

In: a transaction Bundle from extraction and a :class:`PushContext`. Out: a :class:`PushResult`
(each entry's fate) and an AuditEvent in the local audit log. The adapters themselves live in
``fhir_werk.adapters`` (the top-level ``adapters/`` folder) and are found by entry point.
"""

from fhir_werk.delivery._adapter import (
    ENTRY_POINT_GROUP,
    EpdAdapter,
    PushResult,
    PushTarget,
    adapter_names,
    get_adapter,
    load_adapter,
)
from fhir_werk.delivery._audit import AuditLog, AuditSettings
from fhir_werk.delivery._consent import check_consent, patient_key, permitted_bundle, withheld_entries
from fhir_werk.delivery._context import EntryStatus, PushContext, PushEntry, PushProgress
from fhir_werk.delivery._push import rewrite_references, run_push

__all__ = [
    "ENTRY_POINT_GROUP",
    "AuditLog",
    "AuditSettings",
    "EntryStatus",
    "EpdAdapter",
    "PushContext",
    "PushEntry",
    "PushProgress",
    "PushResult",
    "PushTarget",
    "adapter_names",
    "check_consent",
    "get_adapter",
    "load_adapter",
    "patient_key",
    "permitted_bundle",
    "rewrite_references",
    "run_push",
    "withheld_entries",
]
