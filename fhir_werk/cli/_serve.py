"""``fhir-werk serve`` (the FHIR service, with its delivery worker) and ``fhir-werk worker``
(delivery only). Both stop cleanly on SIGTERM or Ctrl-C: the job in hand is finished first."""

from __future__ import annotations

import os
import signal
import socket
import threading
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any

import typer

from fhir_werk.cli._app import app
from fhir_werk.cli._output import echo
from fhir_werk.cli._usage import WrongUsageError


def settings_from(config: Path | None, **overrides: Any) -> Any:
    """The service's settings: options, then the environment, then the ``--config`` file."""
    # Imported here: the service (FastAPI, SQLAlchemy, Alembic) costs every other command nothing.
    from fhir_werk.service import load_settings, read_settings_file
    from fhir_werk.shared import InvalidInputError

    if config is not None:
        read_settings_file(config)
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except InvalidInputError as exc:  # a setting that does not fit is wrong use, as a bad option is
        raise WrongUsageError(exc.outcome, exc.status) from exc


def open_database(url: str) -> Any:
    """The migrated database; a URL that names none is wrong use (exit 2), one that does not
    answer a target failure (exit 3)."""
    from fhir_werk.service import open_database as open_service_database
    from fhir_werk.shared import InvalidInputError

    try:
        return open_service_database(url)
    except InvalidInputError as exc:
        raise WrongUsageError(exc.outcome, exc.status) from exc


Config = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Instellingenbestand met regels FHIR_WERK_…=waarde; de omgeving gaat voor.",
        show_default=False,
    ),
]


@app.command("serve")
def serve(
    host: Annotated[
        str | None,
        typer.Option("--host", help="Interface (standaard 127.0.0.1; een andere alleen met authenticatie)."),
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Poort (standaard 8080).")] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Aantal serverprocessen (uvicorn-workers).")
    ] = 1,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Geen bezorger in dit proces (draai 'fhir-werk worker').")
    ] = False,
    config: Config = None,
) -> None:
    """Start de FHIR-dienst (basis /fhir) met een bezorger die elke geaccepteerde leidraad aflevert.

    Zonder instellingen: lokale modus op 127.0.0.1, SQLite in de datamap (FHIR_WERK_DATA_DIR,
    standaard ./fhir-werk-data) en de file-adapter in <datamap>/aflevering. Instellingen:
    omgevingsvariabelen FHIR_WERK_SERVICE_* (zie README). Afsluitcode 2: verkeerd gebruik, o.a.
    een andere interface dan 127.0.0.1 zonder authenticatie.
    """
    import uvicorn

    from fhir_werk.service import (
        UnsafeBindingError,
        check_binding,
        create_app,
        import_folder_files,
        log_config,
        multiprocess_directory,
        start_banner,
    )

    settings = settings_from(config, host=host, port=port, in_process_worker=False if no_worker else None)
    try:
        # With FHIR_WERK_SERVICE_AUTH_* set, create_app installs the bearer JWT guard itself.
        check_binding(settings, has_auth=settings.auth_configured)
    except UnsafeBindingError as exc:
        raise WrongUsageError(exc.outcome, exc.status) from exc
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "access_log": False,  # request lines carry ids and search values; no patient data in logs
        "log_config": log_config(settings.log_level),
        "server_header": False,
    }
    if workers == 1:
        open_database(settings.database).dispose()  # a wrong URL is wrong use, before anything starts
        application = create_app(settings)
        # Bound here, so that --port 0 (any free port) prints the port it got.
        listening = listening_socket(settings.host, settings.port)
        _banner(start_banner(settings, listening.getsockname()[1]))
        uvicorn.Server(uvicorn.Config(application, **options)).run(sockets=[listening])
        return
    # Several processes: uvicorn starts each from the factory, which reads the environment; the
    # schema is brought up to date once here, so the processes do not race to migrate.
    os.environ["FHIR_WERK_SERVICE_IN_PROCESS_WORKER"] = "true" if settings.in_process_worker else "false"
    engine = open_database(settings.database)
    # The old data folder's ledger and audit files too: once here, and a file that cannot be read
    # is an outcome here instead of a traceback in each process's log.
    import_folder_files(settings, engine)
    engine.dispose()
    # The shared socket is bound here rather than by uvicorn (whose own lacks TCP_NODELAY, see
    # listening_socket); the processes inherit it. This is what uvicorn.run does for workers > 1.
    from uvicorn.supervisors import Multiprocess

    listening = listening_socket(settings.host, settings.port)
    listening.set_inheritable(True)
    options["port"] = listening.getsockname()[1]
    _banner([*start_banner(settings, options["port"]), f"Serverprocessen: {workers}."])
    supervised = uvicorn.Config("fhir_werk.service:create_app", factory=True, workers=workers, **options)
    with multiprocess_directory(), suppress(KeyboardInterrupt):  # /metrics adds up every process
        Multiprocess(supervised, sockets=[listening]).run()


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, with ``TCP_NODELAY``, which the connections it accepts inherit.

    asyncio sets it only on sockets it made itself; without it every answer on a kept-alive
    connection waited ~40 ms (uvicorn writes head and body apart: Nagle held the body back until
    the client's delayed ACK of the head).
    """
    listening = socket.create_server((host.strip("[]"), port), family=_family(host), backlog=2048)
    listening.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listening


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _banner(lines: list[str]) -> None:
    for line in lines:
        echo(line, err=True)


@app.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="Bezorg wat nu klaarstaat en stop.")] = False,
    config: Config = None,
) -> None:
    """Bezorg de wachtrij (outbox) zonder API; stopt netjes op SIGTERM of Ctrl-C.

    Naast 'fhir-werk serve --no-worker', of als meer processen op één PostgreSQL-database.
    """
    import logging.config

    from fhir_werk.service import Store, Worker, log_config

    settings = settings_from(config)
    logging.config.dictConfig(log_config(settings.log_level))
    engine = open_database(settings.database)
    deliverer = Worker(Store(engine, settings.targets), settings)
    stop = threading.Event()
    try:
        if once:
            delivered = 0
            while deliverer.deliver_one() is not None:
                delivered += 1
            echo(f"{delivered} aflevering(en) geprobeerd.", err=True)
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        echo("fhir-werk bezorger draait; stoppen: Ctrl-C.", err=True)
        deliverer.run(stop)
    finally:
        deliverer.close()
        engine.dispose()
