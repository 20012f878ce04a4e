"""The service's public face is pinned: a name added or removed is a decision, not an accident."""

from __future__ import annotations

import fhir_werk.service


def test_the_face_is_exactly_this() -> None:
    assert fhir_werk.service.__all__ == [
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
