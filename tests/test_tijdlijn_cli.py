"""``fhir-werk tijdlijn``: the legal clock on the command line, JSON for checks and a Dutch table."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fhir_werk.cli import app

runner = CliRunner()


def _json(*args: str) -> list[dict[str, str | None]]:
    result = runner.invoke(app, ["tijdlijn", *args, "--json"])
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)
    assert isinstance(value, list)
    return value


def _by_code(rows: list[dict[str, str | None]]) -> dict[str, dict[str, str | None]]:
    return {str(row["code"]): row for row in rows}


def test_nl_without_situatie_is_an_employee_with_an_employer() -> None:
    rows = _by_code(_json("--land", "nl", "--eerste-ziektedag", "2024-01-01", "--vandaag", "2024-03-11"))
    assert rows["nl-probleemanalyse"]["datum"] == "2024-02-11"  # end of week 6: + 41
    assert rows["nl-42e-weeksmelding"]["datum"] == "2024-10-21"  # first working day after week 42
    assert rows["nl-wia-aanvraag"]["datum"] == "2025-10-12"  # end of week 93
    assert rows["nl-probleemanalyse"]["status"] == "te laat"
    assert rows["nl-probleemanalyse"]["wie"] == "bedrijfsarts of arbodienst"
    assert "Regeling procesgang" in str(rows["nl-probleemanalyse"]["bron"])
    assert {"datum", "wat", "wie", "code", "bron", "status"} <= set(rows["nl-wia-aanvraag"])


def test_be_without_situatie_is_a_worker_with_an_employer_and_decision_b_starts_six_months() -> None:
    rows = _by_code(
        _json(
            "--land",
            "be",
            "--eerste-ziektedag",
            "2024-03-01",
            "--start-traject",
            "2024-06-28",
            "--beslissing",
            "B",
            "--beslissingsdatum",
            "2024-08-31",
            "--vandaag",
            "2024-09-01",
        )
    )
    assert rows["be-re-integratiebeoordeling"]["datum"] == "2024-08-16"  # 28 June + 49
    assert rows["be-re-integratiebeoordeling"]["status"] == "gedaan"
    assert rows["be-plan-b"]["datum"] == "2025-02-28"
    assert rows["be-beroep"]["datum"] == "2024-09-21"
    assert "be-plan-a" not in rows


def test_situatie_ziektewet_and_bijstand() -> None:
    zw = _by_code(_json("--land", "nl", "--eerste-ziektedag", "2024-01-01", "--situatie", "ziektewet"))
    assert zw["zw-spreekuur-verzekeringsarts"]["datum"] == "2024-03-31"
    assert _json("--land", "nl", "--eerste-ziektedag", "2024-01-01", "--situatie", "bijstand") == []


def test_the_table_is_dutch_and_readable() -> None:
    result = runner.invoke(
        app,
        [
            "tijdlijn",
            "--land",
            "be",
            "--eerste-ziektedag",
            "2024-01-01",
            "--start-traject",
            "2024-02-01",
            "--vandaag",
            "2024-02-10",
        ],
    )
    assert result.exit_code == 0
    assert "Tijdlijn re-integratie (stand op 2024-02-10)" in result.stdout
    assert "uiterlijk 2024-03-21" in result.stdout  # 1 February + 49
    assert "Re-integratiebeoordeling (beslissing A, B of C) — preventieadviseur-arbeidsarts" in result.stdout
    bijstand = runner.invoke(
        app, ["tijdlijn", "--land", "nl", "--eerste-ziektedag", "2024-01-01", "--situatie", "bijstand"]
    )
    assert "Geen wettelijke termijnen" in bijstand.stdout


@pytest.mark.parametrize(
    ("args", "melding"),
    [
        (["--land", "nl", "--eerste-ziektedag", "2023-02-29"], "'2023-02-29' is geen bestaande datum"),
        (["--land", "nl", "--eerste-ziektedag", "2024-13-01"], "'2024-13-01' is geen bestaande datum"),
        (["--land", "nl", "--eerste-ziektedag", "1-1-2024"], "'1-1-2024' is geen bestaande datum"),
        (["--land", "fr", "--eerste-ziektedag", "2024-01-01"], "--land 'fr' is onbekend"),
        (["--land", "be", "--eerste-ziektedag", "2024-01-01", "--beslissing", "A"], "samen met haar datum"),
        (
            [
                "--land",
                "be",
                "--eerste-ziektedag",
                "2024-01-01",
                "--beslissing",
                "D",
                "--beslissingsdatum",
                "2024-03-01",
            ],
            "--beslissing 'D' is onbekend",
        ),
        (
            ["--land", "nl", "--eerste-ziektedag", "2024-01-01", "--start-traject", "2024-02-01"],
            "alleen in België",
        ),
        (
            ["--land", "nl", "--eerste-ziektedag", "2024-01-01", "--situatie", "werkzoekende"],
            "Onbekende situatie",
        ),
        (
            [
                "--land",
                "be",
                "--eerste-ziektedag",
                "2024-01-01",
                "--beslissingsdatum",
                "2024-04-31",
                "--beslissing",
                "A",
            ],
            "'2024-04-31' is geen bestaande datum",
        ),
    ],
)
def test_bad_input_is_a_dutch_error_and_exit_2(args: list[str], melding: str) -> None:
    result = runner.invoke(app, ["tijdlijn", *args])
    assert result.exit_code == 2
    assert melding in result.stderr
    assert "Traceback" not in result.output
    outcome = json.loads(result.stdout)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"][0].startswith("--")


def test_a_missing_option_is_a_usage_error() -> None:
    assert runner.invoke(app, ["tijdlijn", "--land", "nl"]).exit_code == 2


def test_a_milestone_marked_done_stays_done_when_the_first_sick_day_is_corrected() -> None:
    args = ["--land", "nl", "--vandaag", "2024-06-01", "--gedaan", "nl-probleemanalyse"]
    first = _by_code(_json(*args, "--eerste-ziektedag", "2024-01-01"))
    corrected = _by_code(_json(*args, "--eerste-ziektedag", "2024-01-15"))
    assert first["nl-probleemanalyse"]["status"] == corrected["nl-probleemanalyse"]["status"] == "gedaan"
    assert corrected["nl-probleemanalyse"]["datum"] == "2024-02-25"  # moved with the first day
    assert corrected["nl-plan-van-aanpak"]["status"] == "te laat"
    unknown = runner.invoke(
        app, ["tijdlijn", "--land", "nl", "--eerste-ziektedag", "2024-01-01", "--gedaan", "x"]
    )
    assert unknown.exit_code == 2
    assert "--gedaan 'x' is geen code van een mijlpaal" in unknown.stderr
