"""``fhir-werk outbox list|retry|drop``: the delivery queue, for the person who runs the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from fhir_werk.cli._app import app
from fhir_werk.cli._output import echo, echo_json
from fhir_werk.cli._serve import Config, open_database, settings_from
from fhir_werk.cli._usage import WrongUsageError
from fhir_werk.shared import NotFoundError, bad_request, not_found

outbox_app = typer.Typer(
    help="De wachtrij van afleveringen (outbox) bekijken en bijsturen.", no_args_is_help=False
)
app.add_typer(outbox_app, name="outbox")


def _engine(config: Path | None) -> Any:
    return open_database(settings_from(config).database)


@outbox_app.command("list")
def list_jobs(
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--state", help="Alleen deze toestand (queued, retrying, delivered, dead …); herhaalbaar."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Als JSON.")] = False,
    config: Config = None,
) -> None:
    """Toon de afleveringen: nummer, response en versie, doel, toestand, pogingen, laatste fout."""
    from fhir_werk.service import jobs

    engine = _engine(config)
    try:
        found = jobs(engine, states=state or None)
    finally:
        engine.dispose()
    rows = [
        {
            "job": j.job,
            "response": j.response_id,
            "version": j.version,
            "target": j.target,
            "state": j.state,
            "attempts": j.attempts,
            "lastError": j.last_error,
        }
        for j in found
    ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        error = f"  {row['lastError']}" if row["lastError"] else ""
        echo(
            f"{row['job']:>6}  {row['response']}/_history/{row['version']}  {row['target']}  "
            f"{row['state']}  pogingen {row['attempts']}{error}"
        )
    echo(f"{len(rows)} aflevering(en).", err=True)


def _change(job: int, change: Any, done_nl: str, verb_nl: str, verb_en: str, config: Path | None) -> None:
    engine = _engine(config)
    try:
        changed = change(engine, job)
    finally:
        engine.dispose()
    if not changed:
        raise NotFoundError(
            not_found(
                f"Aflevering {job} bestaat niet of kan niet {verb_nl} worden.",
                f"Delivery {job} does not exist or cannot be {verb_en}.",
                "JOB",
            )
        )
    echo(json.dumps({"job": job, "result": done_nl}, ensure_ascii=False), err=True)


@outbox_app.command("retry")
def retry_job(
    job: Annotated[int | None, typer.Argument(help="Nummer van de aflevering (zie outbox list).")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Alle mislukte (dead) afleveringen tegelijk.")] = False,
    config: Config = None,
) -> None:
    """Zet een mislukte (dead, retrying) of verwijderde aflevering opnieuw klaar, pogingen op 0;
    met --dead alle mislukte tegelijk (één auditregel)."""
    from fhir_werk.service import retry, retry_dead

    if dead == (job is not None):
        raise WrongUsageError(
            bad_request(
                "Geef één afleveringsnummer of --dead (alle mislukte).",
                "Give one delivery number or --dead (every dead one).",
                "JOB",
            ),
            400,
        )
    if job is not None:
        _change(job, retry, "opnieuw klaargezet", "opnieuw geprobeerd", "retried", config)
        return
    engine = _engine(config)
    try:
        queued = retry_dead(engine)
    finally:
        engine.dispose()
    echo(json.dumps({"jobs": queued, "result": "opnieuw klaargezet"}, ensure_ascii=False), err=True)


@outbox_app.command("drop")
def drop_job(
    job: Annotated[int, typer.Argument(help="Nummer van de aflevering (zie outbox list).")],
    config: Config = None,
) -> None:
    """Geef een niet-afgeleverde aflevering op (blijft zichtbaar als 'dropped')."""
    from fhir_werk.service import drop

    _change(job, drop, "opgegeven", "opgegeven", "dropped", config)
