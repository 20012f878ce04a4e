"""The delivery worker: claims outbox jobs and pushes their bundles through the adapters.

Every push goes through the adapter's ``push``, i.e. :func:`fhir_werk.delivery.run_push`, so
consent is checked and an AuditEvent written for each try. What a failure means for the job:

- final, dead at once: no consent (:class:`ConsentRefusedError`), a conflict with what someone
  else changed on the target, a bundle the target rejects (400/404/422) or the service itself
  cannot read: trying again gives the same answer; ``fhir-werk outbox retry`` after a fix.
- retried with backoff: the target is unavailable or refuses our credentials, a file or database
  error, anything unexpected.

The reason kept with the job is fhir-werk's own first message; for a target's refusal
(:class:`RemoteError`) it adds what the server objected to, its first issues shortened
(:func:`fhir_werk.client.server_summary`: only the server's answer, never the bundle). Logs name
the job, the target and the error class: never the reason, an exception's message or the patient.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from fhir_werk.client import server_summary
from fhir_werk.delivery import EpdAdapter, PushContext, PushResult, get_adapter
from fhir_werk.service.core._files import private_folder
from fhir_werk.service.core._settings import ServiceSettings
from fhir_werk.service.outbox._targets import adapter_of, named_settings
from fhir_werk.service.storage import _queue
from fhir_werk.service.storage._audit import SqlAuditLog
from fhir_werk.service.storage._folder_import import import_folder_files
from fhir_werk.service.storage._ledger import SqlLedger
from fhir_werk.service.storage._store import Store
from fhir_werk.shared import (
    ConflictError,
    ConsentRefusedError,
    FhirWerkError,
    InvalidInputError,
    NotFoundError,
    RemoteConflictError,
    RemoteError,
    RemoteRejectedError,
    UnreadableInputError,
    not_found,
)

logger = logging.getLogger("fhir_werk.service.worker")
_FINAL = (
    ConsentRefusedError,
    ConflictError,
    RemoteConflictError,
    RemoteRejectedError,
    InvalidInputError,
    UnreadableInputError,
    NotFoundError,
)

AdapterFactory = Callable[[str], EpdAdapter]


def default_adapters(settings: ServiceSettings, engine: sa.Engine) -> AdapterFactory:
    """Builds each target's adapter: ``file`` into the service's delivery folder, any other from
    its own environment settings (a named target ``fhir:epd-a`` from a prefix of its own, see
    :mod:`._targets`). Audit log and ledger are tables of the service's database (``engine``),
    shared by every machine of the outbox; the files of an older data folder are taken over
    first (:mod:`~fhir_werk.service.storage._folder_import`)."""
    private_folder(settings.data_dir)
    import_folder_files(settings, engine)
    audit = SqlAuditLog(engine)
    ledger = SqlLedger(engine)

    def build(target: str) -> EpdAdapter:
        named = named_settings(target)  # ``fhir:epd-a``: settings of its own (see ._targets)
        if named is not None:
            return get_adapter(adapter_of(target), named, audit=audit, ledger=ledger)
        options = {"directory": settings.delivery_directory} if target == "file" else None
        return get_adapter(target, options, audit=audit, ledger=ledger)

    return build


def _reason(error: BaseException) -> str:
    if isinstance(error, FhirWerkError):
        first: dict[str, Any] = next(iter(error.outcome.get("issue", [])), {})
        text = str(first.get("details", {}).get("text") or type(error).__name__)
        if isinstance(error, RemoteError):
            said = server_summary(error.outcome.get("issue", [])[1:])  # after our own summary
            text = f"{text} Server: {said}" if said else text
        return f"{'geen toestemming: ' if isinstance(error, ConsentRefusedError) else ''}{text}"[:1000]
    if isinstance(error, OSError | sqlite3.Error | sa.exc.SQLAlchemyError):
        return f"bestand of database niet bruikbaar ({type(error).__name__})"
    return f"interne fout ({type(error).__name__})"


def _result(result: PushResult) -> dict[str, Any]:
    return {
        "auditEvent": result.audit_event.get("id"),
        "entries": [
            {
                "resourceType": e.resource_type,
                "status": e.status,
                "id": e.id,
                "version": e.version,
                "location": e.location,
            }
            for e in result.entries
        ],
    }


class Worker:
    """Delivers due jobs of ``store``'s outbox; one instance per thread or process."""

    def __init__(
        self,
        store: Store,
        settings: ServiceSettings,
        adapters: AdapterFactory | None = None,
        *,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self._on_outcome = on_outcome or (lambda _outcome: None)
        self.settings = settings
        self._factory = adapters or default_adapters(settings, store.engine)
        self._adapters: dict[str, EpdAdapter] = {}
        self.context = PushContext(recipient=settings.recipient, purpose=settings.purpose, actor="fhir-werk")

    def _adapter(self, target: str) -> EpdAdapter:
        if target not in self._adapters:
            self._adapters[target] = self._factory(target)
        return self._adapters[target]

    def deliver_one(self) -> _queue.Job | None:
        """Claim one due job and try it; the job as claimed, or None when nothing was due."""
        engine = self.store.engine
        job = _queue.claim(engine, self.settings.lease_seconds)
        if job is None:
            return None
        try:
            stored = self.store.read(job.response_id, job.version)
            if stored is None or stored.bundle is None:
                raise NotFoundError(
                    not_found(
                        "De opgeslagen bundel van deze versie ontbreekt.",
                        "The stored bundle of this version is missing.",
                    )
                )
            result = self._adapter(job.target).push(stored.bundle, self.context)
        except Exception as exc:  # noqa: BLE001 - every failure is the job's state, none stops the worker
            final = isinstance(exc, _FINAL)
            outcome = _queue.fail(
                engine,
                job,
                _reason(exc),
                final=final,
                max_attempts=self.settings.max_attempts,
                backoff=self.settings.backoff_seconds,
                backoff_max=self.settings.backoff_max_seconds,
            )
            self._on_outcome(outcome)
            logger.warning("aflevering %s naar %s mislukt (%s)", job.job, job.target, type(exc).__name__)
            return job
        _queue.succeed(engine, job, _result(result))
        self._on_outcome("delivered")
        logger.info("aflevering %s naar %s gelukt", job.job, job.target)
        return job

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set; waits ``poll_seconds`` when nothing is due. A job in hand
        is finished before stopping (its lease covers a killed process)."""
        while not stop.is_set():
            try:
                busy = self.deliver_one() is not None
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the loop
                logger.warning("outbox niet bereikbaar (%s)", type(exc).__name__)
                busy = False
            if not busy:
                stop.wait(self.settings.poll_seconds)

    def close(self) -> None:
        """Close the adapters this worker built."""
        for adapter in self._adapters.values():
            adapter.close()
        self._adapters.clear()
