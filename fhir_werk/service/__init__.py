"""Stage 5: the FHIR service above delivery, started by ``fhir-werk serve`` (issue 11).

In: HTTP requests with FHIR JSON. Out: FHIR JSON answers (every error an OperationOutcome),
stored QuestionnaireResponses with their extracted Bundles, and an outbox whose worker delivers
each accepted response through the adapters (:func:`fhir_werk.delivery.run_push`). See
``docs/service.md``.
"""

from fhir_werk.service._app import ROUTES, create_app
from fhir_werk.service._binding import UnsafeBindingError, check_binding, shown_database, start_banner
from fhir_werk.service._logging import log_config
from fhir_werk.service._metrics import multiprocess_directory
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._settings import ServiceSettings, is_loopback, load_settings, read_settings_file
from fhir_werk.service.outbox._worker import Worker
from fhir_werk.service.storage._audit import SqlAuditLog
from fhir_werk.service.storage._database import make_engine, migrate, open_database
from fhir_werk.service.storage._folder_import import import_folder_files
from fhir_werk.service.storage._ledger import SqlLedger
from fhir_werk.service.storage._queue import Job, depth, drop, jobs, retry, retry_dead
from fhir_werk.service.storage._store import Store

__all__ = [
    "ROUTES",
    "Job",
    "Route",
    "ServiceSettings",
    "SqlAuditLog",
    "SqlLedger",
    "Store",
    "UnsafeBindingError",
    "Worker",
    "check_binding",
    "create_app",
    "depth",
    "drop",
    "import_folder_files",
    "is_loopback",
    "jobs",
    "load_settings",
    "log_config",
    "make_engine",
    "migrate",
    "multiprocess_directory",
    "open_database",
    "read_settings_file",
    "retry",
    "retry_dead",
    "shown_database",
    "start_banner",
]
