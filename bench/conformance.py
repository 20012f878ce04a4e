"""The SDC conformance cases (tests/fixtures/sdc) in the bench: for each, whether fhir-werk's
general engine and CSIRO's ``inAppExtract`` get it right (tests/sdc_cases.py compares), and both
timed warm in alternating blocks in the same run.

    .venv/bin/python bench/conformance.py [--quick] [--markdown]

``--markdown`` prints the results table of docs/sdc-engine.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))

from timing import BLOCK, Csiro, _summary, _time  # noqa: E402  (bench/timing.py)

from fhir_werk.extraction.sdc import extract  # noqa: E402

from sdc_cases import cases, differences  # noqa: E402  (tests/sdc_cases.py)


def run(quick: bool) -> dict[str, Any]:
    """Per case: right or not (ours, CSIRO's), median and p95 ms, CSIRO's time / ours."""
    n = BLOCK * (2 if quick else 6)
    found = cases()
    csiro = Csiro(
        {},
        {c.name: c.response for c in found},
        questionnaires={c.name: c.questionnaire for c in found},
        comparison_sources={c.name: c.comparison_source for c in found if c.comparison_source is not None},
    )
    figures: dict[str, Any] = {}
    try:
        for case in found:
            bundle, _ = extract(case.response, case.questionnaire, comparison_source=case.comparison_source)
            theirs = csiro.result(case.name)
            ours_ms: list[float] = []
            theirs_ms: list[float] = []
            csiro.time(case.name, BLOCK)  # warm-up
            for _ in range(0, n, BLOCK):
                ours_ms += _time(
                    lambda c=case: extract(
                        c.response, c.questionnaire, comparison_source=c.comparison_source
                    ),
                    BLOCK,
                )
                theirs_ms += csiro.time(case.name, BLOCK)
            ours, them = _summary(ours_ms), _summary(theirs_ms)
            figures[case.name] = {
                "ours_right": differences(bundle, case.expected, case.name) == [],
                "csiro_refused": not theirs["ok"],
                "csiro_right": bool(theirs["ok"])
                and theirs["bundle"] is not None
                and differences(theirs["bundle"], case.expected, case.name) == [],
                "ours": ours,
                "csiro": them,
                "ratio_vs_csiro": round(them["median_ms"] / ours["median_ms"], 2),
            }
    finally:
        csiro.close()
    return figures


def table(figures: dict[str, Any]) -> list[str]:
    mark = {True: "✓", False: "✗"}
    lines = [
        "| case | fhir-werk | CSIRO | fhir-werk ms (median) | CSIRO ms (median) | CSIRO / ours |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in figures.items():
        # A refusal takes CSIRO no time worth comparing.
        theirs_ms, ratio = (
            ("weigert", "–") if f["csiro_refused"] else (f["csiro"]["median_ms"], f"{f['ratio_vs_csiro']}x")
        )
        lines.append(
            f"| `{name}` | {mark[f['ours_right']]} | {mark[f['csiro_right']]} | {f['ours']['median_ms']} "
            f"| {theirs_ms} | {ratio} |"
        )
    ours = sum(f["ours_right"] for f in figures.values())
    theirs = sum(f["csiro_right"] for f in figures.values())
    ratios = [f["ratio_vs_csiro"] for f in figures.values() if not f["csiro_refused"]]
    lines.append(
        f"| **{len(figures)} cases** | **{ours} right** | **{theirs} right** | | | "
        f"min {min(ratios)}x, median {round(statistics.median(ratios), 2)}x |"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/conformance.py", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--markdown", action="store_true", help="only the results table")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--table-from", type=Path, help="print the table of an earlier --json run")
    args = parser.parse_args()
    if args.table_from:
        print("\n".join(table(json.loads(args.table_from.read_text(encoding="utf-8")))))
        return
    started = time.perf_counter()
    figures = run(args.quick)
    print("\n".join(table(figures)))
    if not args.markdown:
        print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
