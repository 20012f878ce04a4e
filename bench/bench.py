"""bench/run: fhir-werk's stages side by side with their anchors, in one run.

Anchors: the JSON floor (orjson load + dump of the response and of its bundle), CSIRO's
``@aehrc/sdc-template-extract`` in Node (warm, the same repetitions, interleaved with ours in
blocks so a drifting machine moves both). Figures are milliseconds per call (median, p95);
ratios: ``ratio_vs_csiro`` = CSIRO's time / ours (above 1: ours is faster), ``ratio_vs_floor`` =
ours / the floor's. Asserts nothing: timing depends on the machine.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import orjson as fast_json

    FLOOR_LIBRARY = "orjson"
except ImportError:  # not a dependency of fhir-werk: the stdlib then, and the JSON says so
    import json as fast_json  # type: ignore[no-redef]

    FLOOR_LIBRARY = "json (stdlib; pip install orjson for the floor of docs/performance.md)"

from timing import BLOCK, Csiro, _summary, _time  # bench/timing.py, shared with bench/conformance.py

from fhir_werk.extraction import extract
from fhir_werk.extraction._extract import _observation_resources, _template_resources, _walked
from fhir_werk.extraction._form import compiled_form
from fhir_werk.extraction._identity import build_bundle
from fhir_werk.publishing import published
from fhir_werk.validation import validate_response

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = HERE / "fixtures"
FORM_URL = "https://fhir-werk.nl/fhir/Questionnaire/leidraad|0.1.0-assembled"
GROWTH = ("agreements-1", "agreements-10", "agreements-100", "themes-1", "themes-3", "themes-9")
Figure = dict[str, Any]


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def _side_by_side(
    csiro: Csiro, case: str, response: dict[str, Any], n: int, **others: Callable[[], Any]
) -> tuple[list[float], list[float], dict[str, list[float]]]:
    """Ours and CSIRO's in alternating blocks, and each of ``others`` in the same rounds, so a
    machine that gets busier or quieter during the run moves every figure alike."""
    ours: list[float] = []
    theirs: list[float] = []
    timed: dict[str, list[float]] = {name: [] for name in others}
    for _ in range(0, n, BLOCK):
        ours += _time(lambda: extract(response), BLOCK)
        theirs += csiro.time(case, BLOCK)
        for name, action in others.items():
            timed[name] += _time(action, BLOCK)
    return ours, theirs, timed


def _extraction_only(response: dict[str, Any], form: dict[str, Any]) -> Callable[[], Any]:
    """Extraction without the validation ``extract`` does first (CSIRO validates nothing)."""
    compiled = compiled_form(form)

    def run() -> Any:
        walked = _walked(response, compiled)
        found = _observation_resources(response, compiled, walked)
        return build_bundle(response, found + _template_resources(response, compiled, walked=walked))

    return run


def _floor(response: dict[str, Any]) -> Callable[[], Any]:
    text = fast_json.dumps(response)
    bundle = fast_json.dumps(extract(response))
    return lambda: (fast_json.dumps(fast_json.loads(text)), fast_json.dumps(fast_json.loads(bundle)))


def _distinct(response: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` responses, each its own identifier and goal text (so its own identities)."""
    out = []
    for n in range(count):
        one = copy.deepcopy(response)
        one["id"] = f"bench-{n}"
        one["identifier"]["value"] = f"bench-{n}"
        out.append(one)
    return out


def _extract_all(responses: list[dict[str, Any]]) -> int:
    return sum(len(extract(r)["entry"]) for r in responses)


def _throughput(responses: list[dict[str, Any]], processes: int) -> Figure:
    started = time.perf_counter()
    if processes == 1:
        _extract_all(responses)
    else:
        chunks = [responses[i::processes] for i in range(processes)]
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            pool.map(_extract_all, chunks)
    seconds = time.perf_counter() - started
    return {
        "responses": len(responses),
        "processes": processes,
        "seconds": round(seconds, 3),
        "per_s": round(len(responses) / seconds, 1),
    }


def _cold(n: int) -> Figure:
    """Wall time of the whole ``fhir-werk extract`` command, and what its imports cost."""
    command = [str(ROOT / ".venv" / "bin" / "fhir-werk"), "extract", str(FIXTURES / "full.json")]
    with tempfile.TemporaryDirectory() as folder:
        out = ["-o", str(Path(folder) / "bundle.json")]
        ms_runs = []
        for _ in range(n):
            started = time.perf_counter()
            subprocess.run(command + out, check=True, capture_output=True)
            ms_runs.append((time.perf_counter() - started) * 1000)
    # What the command itself imports (fhir_werk.cli loads only the command it is given).
    with tempfile.TemporaryDirectory() as folder:
        argv = ["fhir-werk", "extract", str(FIXTURES / "full.json"), "-o", str(Path(folder) / "b.json")]
        probe = f"import sys; sys.argv = {argv!r}; from fhir_werk.cli import main; main()"
        importtime = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", probe], capture_output=True, text=True, check=True
        ).stderr
    total = 0.0
    parts: dict[str, float] = {}
    for line in importtime.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if match is None:
            continue
        level, ms = len(match.group(2)) // 2, int(match.group(1)) / 1000
        if level == 0:
            total += ms
        elif level <= 2:  # what the command's modules pull in
            parts[match.group(3)] = ms
    heaviest = {k: round(v, 1) for k, v in sorted(parts.items(), key=lambda kv: -kv[1])[:8]}
    return _summary(ms_runs) | {"imports_ms": round(total, 1), "heaviest_imports_ms": heaviest}


def _machine() -> Figure:
    return {
        "python": platform.python_version(),
        "node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "note": "shared machine (other engineers and CI at the same time): medians of interleaved blocks",
    }


def _push(base: str | None, count: int, concurrency: int) -> Figure:
    """The push section (bench/push.py) when a server is given, else why it is missing."""
    if base is None:
        return {"ratio_vs_ceiling": None, "reason": "not measured: pass --push-base URL (a HAPI server)"}
    import push  # type: ignore[import-not-found,unused-ignore]  # bench/push.py, next to this file

    figure: Figure = push.run(base, count, concurrency, _load("full"))
    return figure


def run(quick: bool) -> dict[str, Any]:
    """Every figure but push, as the JSON ``bench/run --json`` writes."""
    n = 40 if quick else 240
    full = _load("full")
    cases = {"full": full} | {name: _load(name) for name in GROWTH}
    form = published().questionnaire(FORM_URL)
    for response in cases.values():
        extract(response)  # compiled once, as a running service would have it
    csiro = Csiro(form, cases)
    try:
        csiro.time("full", BLOCK)  # warm-up
        ours, theirs, timed = _side_by_side(
            csiro,
            "full",
            full,
            n,
            floor=_floor(full),
            validate=lambda: validate_response(full, form),
            only=_extraction_only(full, form),
        )
        growth = {}
        for name in GROWTH:
            o, t, _ = _side_by_side(csiro, name, cases[name], max(BLOCK, n // 4))
            growth[name] = {"ours": _summary(o), "csiro": _summary(t)}
            growth[name]["ratio_vs_csiro"] = round(
                growth[name]["csiro"]["median_ms"] / growth[name]["ours"]["median_ms"], 2
            )
    finally:
        csiro.close()
    floor = _summary(timed["floor"])
    validate = _summary(timed["validate"])
    extracted = _summary(ours)
    cs = _summary(theirs)
    only = _summary(timed["only"])
    many = _distinct(full, 100 if quick else 1000)
    return {
        "machine": _machine(),
        "fixture": {
            "name": "bench/fixtures/full.json",
            "bytes": len(json.dumps(full, ensure_ascii=False).encode()),
            "repetitions": n,
        },
        "floor": floor | {"library": FLOOR_LIBRARY},
        "validate": validate | {"ratio_vs_floor": round(validate["median_ms"] / floor["median_ms"], 1)},
        "extract": extracted
        | {
            "csiro": cs,
            "ratio_vs_csiro": round(cs["median_ms"] / extracted["median_ms"], 2),
            "ratio_vs_floor": round(extracted["median_ms"] / floor["median_ms"], 1),
            "without_validation": only | {"ratio_vs_csiro": round(cs["median_ms"] / only["median_ms"], 2)},
            "growth": growth,
            "throughput_1_process": _throughput(many, 1),
            "throughput_2_processes": _throughput(many, 2),
        },
        "cold_extract_command": _cold(5 if quick else 15),
        "service": {"rps": None, "p99_ms": None, "reason": "not measured: pass --service"},
    }


def _table(figures: dict[str, Any]) -> str:
    e, v, f = figures["extract"], figures["validate"], figures["floor"]
    rows = [
        ("JSON floor (orjson load+dump, response and bundle)", f["median_ms"], f["p95_ms"], ""),
        ("validate", v["median_ms"], v["p95_ms"], f"{v['ratio_vs_floor']}x floor"),
        (
            "extract (incl. validate)",
            e["median_ms"],
            e["p95_ms"],
            f"{e['ratio_vs_floor']}x floor, {e['ratio_vs_csiro']}x CSIRO's speed",
        ),
        ("CSIRO inAppExtract (Node, warm)", e["csiro"]["median_ms"], e["csiro"]["p95_ms"], ""),
        (
            "extraction without its validation",
            e["without_validation"]["median_ms"],
            e["without_validation"]["p95_ms"],
            f"{e['without_validation']['ratio_vs_csiro']}x CSIRO's speed",
        ),
    ]
    for name, g in e["growth"].items():
        rows.append(
            (
                f"extract {name}",
                g["ours"]["median_ms"],
                g["ours"]["p95_ms"],
                f"CSIRO {g['csiro']['median_ms']} ms: {g['ratio_vs_csiro']}x",
            )
        )
    c = figures["cold_extract_command"]
    rows.append(
        (
            "cold `fhir-werk extract` (whole command)",
            c["median_ms"],
            c["p95_ms"],
            f"of which imports {c['imports_ms']} ms",
        )
    )
    rows_imports = ", ".join(f"{k} {v}" for k, v in c["heaviest_imports_ms"].items())
    lines = [f"{'figure':52s} {'median ms':>10s} {'p95 ms':>10s}  ratio", "-" * 100]
    lines += [f"{name:52s} {m:10.3f} {p:10.3f}  {r}" for name, m, p, r in rows]
    for key in ("throughput_1_process", "throughput_2_processes"):
        t = e[key]
        lines.append(
            f"{t['responses']} distinct full responses, {t['processes']} process(es): "
            f"{t['seconds']} s, {t['per_s']}/s"
        )
    lines.append(f"imports (ms, cumulative): {rows_imports}")
    lines += _push_lines(figures["push"])
    lines += _service_lines(figures["service"])
    return "\n".join(lines)


def _service_lines(figure: Figure) -> list[str]:
    if figure.get("rps") is None:
        return [f"service: {figure['reason']}"]
    import service  # type: ignore[import-not-found,unused-ignore]  # bench/service.py

    lines: list[str] = service.table(figure)
    return lines


def _push_lines(figure: Figure) -> list[str]:
    if figure.get("ratio_vs_ceiling") is None:
        return [f"push: {figure['reason']}"]
    import push  # type: ignore[import-not-found,unused-ignore]

    lines: list[str] = push.table(figure)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="40 repetitions instead of 240, 100 responses")
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    parser.add_argument(
        "--push-base",
        metavar="URL",
        help="FHIR base URL of a HAPI server to push to (e.g. http://127.0.0.1:8096/fhir); "
        "without it the push section is skipped",
    )
    parser.add_argument(
        "--push-count", type=int, help="bundles per side and setting (default 1000, --quick 100)"
    )
    parser.add_argument("--push-concurrency", type=int, default=4, help="threads of the concurrent push")
    parser.add_argument("--push-only", action="store_true", help="only the push section")
    parser.add_argument(
        "--service",
        action="store_true",
        help="also the service section (bench/service.py: fhir-werk serve under load, SQLite and PostgreSQL)",
    )
    parser.add_argument("--service-only", action="store_true", help="only the service section")
    parser.add_argument(
        "--service-seconds", type=float, help="seconds of each service load run (default 30, --quick 10)"
    )
    parser.add_argument("--no-postgresql", action="store_true", help="the service section on SQLite only")
    parser.add_argument(
        "--conformance",
        action="store_true",
        help="also the SDC conformance cases, each beside CSIRO's engine (bench/conformance.py)",
    )
    import service  # type: ignore[import-not-found,unused-ignore]  # bench/service.py

    service.add_delivery_options(parser)  # --service-target fhir (with --push-base), --separate-worker
    args = parser.parse_args()
    delivery = service.delivery_of(parser, args)
    if args.push_only and args.push_base is None:
        parser.error("--push-only needs --push-base")
    if args.service_only:
        served: Figure = service.run(
            args.service_seconds or (10.0 if args.quick else 30.0),
            with_postgres=not args.no_postgresql,
            delivery=delivery,
        )
        figures = {"machine": _machine(), "service": served}
        print("\n".join(_service_lines(served)))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        return
    count = args.push_count or (100 if args.quick else 1000)
    pushed = _push(args.push_base, count, args.push_concurrency)
    if args.push_only:
        figures = {"machine": _machine(), "push": pushed}
        print("\n".join(_push_lines(pushed)))
    else:
        figures = run(args.quick) | {"push": pushed}
        if args.service:
            figures["service"] = service.run(
                args.service_seconds or (10.0 if args.quick else 30.0),
                with_postgres=not args.no_postgresql,
                delivery=delivery,
            )
        print(_table(figures))
        if args.conformance:
            import conformance  # type: ignore[import-not-found,unused-ignore]  # bench/conformance.py

            figures["conformance"] = conformance.run(args.quick)
            print("\n".join(conformance.table(figures["conformance"])))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
