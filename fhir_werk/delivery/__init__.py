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
from fhir_werk.delivery._audit import AuditLog, AuditSettings, AuditStore, audit_index
from fhir_werk.delivery._consent import check_consent, patient_key, permitted_bundle, withheld_entries
from fhir_werk.delivery._context import EntryStatus, PushContext, PushEntry, PushProgress, rewrite_references
from fhir_werk.delivery._ledger import Ledger, LedgerSettings, LedgerStore, Written
from fhir_werk.delivery._lifecycle import (
    Current,
    Plan,
    Planned,
    contains,
    digest,
    entry_key,
    plan_push,
    retired,
)
from fhir_werk.delivery._push import PushesThroughRunPush, run_push

__all__ = [
    "ENTRY_POINT_GROUP",
    "AuditLog",
    "AuditSettings",
    "AuditStore",
    "Current",
    "EntryStatus",
    "EpdAdapter",
    "Ledger",
    "LedgerSettings",
    "LedgerStore",
    "Plan",
    "Planned",
    "PushContext",
    "PushEntry",
    "PushProgress",
    "PushResult",
    "PushTarget",
    "PushesThroughRunPush",
    "Written",
    "adapter_names",
    "audit_index",
    "check_consent",
    "contains",
    "digest",
    "entry_key",
    "get_adapter",
    "load_adapter",
    "patient_key",
    "permitted_bundle",
    "plan_push",
    "retired",
    "rewrite_references",
    "run_push",
    "withheld_entries",
]
