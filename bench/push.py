"""The push section of bench/run: extracted bundles to a HAPI server through the ``fhir`` adapter,
next to the ceiling of posting the same pre-built transaction bundles with plain httpx.

Every bundle comes from its own response (identifier and patient varied per bundle and per run,
so every push really writes); each patient and the responses' Practitioner are put on the
server first (HAPI enforces referential integrity). Ours and the ceiling each get their own set
of bundles of the same shape (a second post of the same bundle would find everything in place
and write nothing), and run alternately in blocks so a drifting machine or a growing database
moves both. Threads: each its own adapter and httpx client; the adapters share one ledger file
and one audit file (SQLite). Requests are counted with an httpx event hook.

Run alone: ``.venv/bin/python bench/push.py --push-base http://127.0.0.1:8096/fhir``.
The server is not started here: see docs/performance.md for the command.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx

from fhir_werk.adapters.fhir import FhirAdapter, FhirAdapterSettings  # type: ignore[import-not-found]
from fhir_werk.client import make_http_client
from fhir_werk.delivery import AuditLog, Ledger, PushContext
from fhir_werk.extraction import extract

HERE = Path(__file__).resolve().parent
FHIR_JSON = "application/fhir+json"
BLOCK = 50
"""Bundles per block; ours and the ceiling alternate blocks (who goes first alternates too)."""

WARMUP = 40
"""Bundles pushed before the clock starts, half each way."""

Resource = dict[str, Any]
Figure = dict[str, Any]


class Requests:
    """Counts the HTTP requests of every client it is hooked into (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, request: httpx.Request) -> None:
        with self._lock:
            self.count += 1

    def hook(self, client: httpx.Client) -> httpx.Client:
        hooks = dict(client.event_hooks)
        hooks["request"] = [*hooks.get("request", []), self]
        client.event_hooks = hooks
        return client


def _responses(template: Resource, tag: str, count: int) -> list[Resource]:
    """``count`` responses, each its own identifier and its own patient."""
    out = []
    for n in range(count):
        one = copy.deepcopy(template)
        one["id"] = f"pb-{tag}-{n}"
        one["identifier"] = {
            "system": "https://fhir-werk.nl/fhir/NamingSystem/bench",
            "value": f"pb-{tag}-{n}",
        }
        one["subject"] = {"reference": f"Patient/pb-{tag}-{n}"}
        out.append(one)
    return out


def _seed(base: str, responses: Sequence[Resource]) -> None:
    """Every Patient and Practitioner the responses name, put on the server."""
    seed(
        base,
        {r["subject"]["reference"] for r in responses}
        | {r["author"]["reference"] for r in responses if r.get("author")},
    )


def seed(base: str, references: Iterable[str]) -> None:
    """A minimal resource for each ``Type/id`` in ``references`` on the server (batches of PUTs):
    HAPI enforces referential integrity, so what a bundle points at has to be there."""
    entries = []
    for ref in sorted(set(references)):
        kind, _, rid = ref.partition("/")
        resource = {"resourceType": kind, "id": rid, "name": [{"family": "Bench"}]}
        entries.append({"resource": resource, "request": {"method": "PUT", "url": ref}})
    with make_http_client(base, timeout=120) as http:
        for start in range(0, len(entries), 200):
            body = {"resourceType": "Bundle", "type": "batch", "entry": entries[start : start + 200]}
            answer = http.post("", json=body, headers={"Content-Type": FHIR_JSON})
            answer.raise_for_status()
            bad = [
                e["response"]["status"]
                for e in answer.json().get("entry", [])
                if not str(e["response"]["status"]).startswith(("200", "201"))
            ]
            if bad:
                raise RuntimeError(f"seeding {base}: {bad[:3]}")


def _items(node: Resource, link_id: str) -> list[Resource]:
    found: list[Resource] = []
    for item in node.get("item", []):
        if item.get("linkId") == link_id:
            found.append(item)
        found += _items(item, link_id)
        for answer in item.get("answer", []):
            found += _items(answer, link_id)
    return found


def _amended(response: Resource) -> Resource:
    """The response corrected: status amended, one agreement and one goal reworded."""
    changed = copy.deepcopy(response)
    changed["status"] = "amended"
    _items(changed, "afspraak-wat")[0]["answer"] = [{"valueString": "Opbouwschema met de bedrijfsarts."}]
    _items(changed, "behandeldoel-tekst")[0]["answer"] = [{"valueString": "Over drie maanden 24 uur."}]
    return changed


class _Files:
    """The shared ledger and audit files of one run."""

    def __init__(self, folder: Path) -> None:
        self.ledger = folder / "ledger.sqlite3"
        self.audit = folder / "audit.sqlite3"
        Ledger(self.ledger)
        AuditLog(self.audit)

    def adapter(self, base: str, counter: Requests) -> FhirAdapter:
        http = counter.hook(make_http_client(base, timeout=120))
        built = FhirAdapter(
            FhirAdapterSettings(base_url=base, timeout=120),
            audit=AuditLog(self.audit),
            ledger=Ledger(self.ledger),
            http=http,
        )
        built.mode()  # reads the CapabilityStatement once, outside the timing
        built._owned = http  # closed with the adapter
        return built


Worker = Callable[[Any], None]


def _parallel(
    make: Callable[[], tuple[Worker, Callable[[], None]]], items: Sequence[Any], concurrency: int
) -> tuple[float, list[float]]:
    """Seconds for all ``items`` over ``concurrency`` threads (clients built before the clock
    starts) and milliseconds per item."""
    chunks = [list(items[i::concurrency]) for i in range(concurrency)]
    ms: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def thread(chunk: list[Any]) -> None:
        work, close = make()
        try:
            ready.wait()
            own = []
            for item in chunk:
                started = time.perf_counter()
                work(item)
                own.append((time.perf_counter() - started) * 1000)
            with lock:
                ms.extend(own)
        except BaseException as exc:  # noqa: BLE001 - re-raised after the join
            errors.append(exc)
        finally:
            close()

    threads = [threading.Thread(target=thread, args=(c,)) for c in chunks if c]
    ready = threading.Barrier(len(threads) + 1)
    for t in threads:
        t.start()
    ready.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    _CPU.append(time.process_time() - cpu)
    if errors:
        raise errors[0]
    return seconds, ms


_CPU: list[float] = []
"""This process's CPU seconds in each timed window (the client side: fhir-werk or httpx)."""


def _ours(base: str, files: _Files, counter: Requests) -> Callable[[], tuple[Worker, Callable[[], None]]]:
    def make() -> tuple[Worker, Callable[[], None]]:
        adapter = files.adapter(base, counter)

        def work(bundle: Resource) -> None:
            result = adapter.push(bundle, PushContext())
            if any(e.status in ("conflict", "refused") for e in result.entries):
                raise RuntimeError("push: conflict or refused entries")

        return work, adapter.close

    return make


def _ceiling(base: str, counter: Requests) -> Callable[[], tuple[Worker, Callable[[], None]]]:
    def make() -> tuple[Worker, Callable[[], None]]:
        http = counter.hook(
            httpx.Client(base_url=base.rstrip("/") + "/", timeout=120, headers={"Accept": FHIR_JSON})
        )

        def work(body: bytes) -> None:
            answer = http.post("", content=body, headers={"Content-Type": FHIR_JSON})
            answer.raise_for_status()

        return work, http.close

    return make


def _summary(ms: list[float]) -> Figure:
    ordered = sorted(ms)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2),
        "n": len(ordered),
    }


def _side_by_side(
    base: str, files: _Files, ours: list[Resource], ceiling: list[bytes], concurrency: int
) -> Figure:
    """Ours and the ceiling in alternating blocks; throughput over all blocks."""
    ours_requests, ceiling_requests = Requests(), Requests()
    ours_make, ceiling_make = _ours(base, files, ours_requests), _ceiling(base, ceiling_requests)
    seconds = {"ours": 0.0, "ceiling": 0.0}
    cpu = {"ours": 0.0, "ceiling": 0.0}
    ms: dict[str, list[float]] = {"ours": [], "ceiling": []}
    block_ratios = []
    for n, start in enumerate(range(0, len(ours), BLOCK)):
        block: dict[str, float] = {}
        order = ("ours", "ceiling") if n % 2 == 0 else ("ceiling", "ours")
        for side in order:
            if side == "ours":
                s, m = _parallel(ours_make, ours[start : start + BLOCK], concurrency)
            else:
                s, m = _parallel(ceiling_make, ceiling[start : start + BLOCK], concurrency)
            seconds[side] += s
            cpu[side] += _CPU[-1]
            ms[side] += m
            block[side] = s
        block_ratios.append(block["ceiling"] / block["ours"])
    ours_rate = len(ours) / seconds["ours"]
    ceiling_rate = len(ceiling) / seconds["ceiling"]
    # The adapter's clients also read the CapabilityStatement once each, before the clock.
    warmups = concurrency * len(block_ratios)
    return {
        "concurrency": concurrency,
        "bundles": len(ours),
        "ours": {
            "seconds": round(seconds["ours"], 2),
            "per_s": round(ours_rate, 1),
            "requests_per_push": round((ours_requests.count - warmups) / len(ours), 2),
            "client_cpu_ms_per_push": round(cpu["ours"] * 1000 / len(ours), 1),
        }
        | _summary(ms["ours"]),
        "ceiling": {
            "seconds": round(seconds["ceiling"], 2),
            "per_s": round(ceiling_rate, 1),
            "requests_per_push": round(ceiling_requests.count / len(ceiling), 2),
            "client_cpu_ms_per_push": round(cpu["ceiling"] * 1000 / len(ceiling), 1),
        }
        | _summary(ms["ceiling"]),
        "ratio_vs_ceiling": round(ours_rate / ceiling_rate, 2),
        "ratio_vs_ceiling_median_of_blocks": round(statistics.median(block_ratios), 2),
    }


def _timed_pushes(base: str, files: _Files, bundles: list[Resource]) -> Figure:
    """One push after another on one adapter: ms each, requests each, what they wrote."""
    counter = Requests()
    adapter = files.adapter(base, counter)
    before = counter.count
    statuses: dict[str, int] = {}
    try:
        ms = []
        for bundle in bundles:
            started = time.perf_counter()
            result = adapter.push(bundle, PushContext())
            ms.append((time.perf_counter() - started) * 1000)
            for e in result.entries:
                statuses[e.status] = statuses.get(e.status, 0) + 1
    finally:
        adapter.close()
    return _summary(ms) | {
        "requests_per_push": round((counter.count - before) / len(bundles), 2),
        "entry_statuses": statuses,
    }


def run(base: str, count: int, concurrency: int, template: Resource) -> Figure:
    """The push figures for ``count`` bundles per side and setting."""
    tag = uuid.uuid4().hex[:8]
    sets = {
        name: _responses(template, f"{tag}-{name}", count) for name in ("os", "cs", "oc", "cc")
    }  # ours/ceiling x sequential/concurrent
    sets["w"] = _responses(template, f"{tag}-w", WARMUP)
    started = time.perf_counter()
    _seed(base, [r for rs in sets.values() for r in rs])
    seed_s = time.perf_counter() - started
    started = time.perf_counter()
    bundles = {name: [extract(r) for r in rs] for name, rs in sets.items()}
    extract_s = time.perf_counter() - started
    bodies = {
        name: [json.dumps(b, ensure_ascii=False).encode() for b in bundles[name]] for name in ("cs", "cc")
    }
    entries = statistics.median(len(b["entry"]) for b in bundles["os"])
    with tempfile.TemporaryDirectory() as folder:
        files = _Files(Path(folder))
        # Warm-up (the server's JIT, the clients): a block each way, not counted.
        _parallel(_ours(base, files, Requests()), bundles["w"][: len(bundles["w"]) // 2], 1)
        _parallel(
            _ceiling(base, Requests()),
            [json.dumps(b).encode() for b in bundles["w"][len(bundles["w"]) // 2 :]],
            1,
        )
        sequential = _side_by_side(base, files, bundles["os"], bodies["cs"], 1)
        concurrent = _side_by_side(base, files, bundles["oc"], bodies["cc"], concurrency)
        repeat_n = min(50, count)
        again = _timed_pushes(base, files, bundles["os"][:repeat_n])
        ceiling_again = _parallel(_ceiling(base, Requests()), bodies["cs"][:repeat_n], 1)[1]
        amended = _timed_pushes(base, files, [extract(_amended(r)) for r in sets["os"][:repeat_n]])
    worse = min(sequential["ratio_vs_ceiling"], concurrent["ratio_vs_ceiling"])
    return {
        "base": base,
        "bundles_per_side": count,
        "entries_per_bundle": entries,
        "ratio_vs_ceiling": worse,
        "ratio_note": "ours/ceiling throughput, the worse of sequential and concurrent (>1: ours faster)",
        "sequential": sequential,
        "concurrent": concurrent,
        "identical_repush": again | {"ceiling_same_post_again": _summary(ceiling_again)},
        "amended_push": amended,
        "setup": {"seed_s": round(seed_s, 1), "extract_s": round(extract_s, 1)},
    }


def table(push: Figure) -> list[str]:
    """Lines for bench/run's table."""
    lines = [
        f"push ({push['bundles_per_side']} bundles of {push['entries_per_bundle']} entries, {push['base']}):"
    ]
    for key in ("sequential", "concurrent"):
        p = push[key]
        o, c = p["ours"], p["ceiling"]
        lines.append(
            f"  {key:10s} x{p['concurrency']}: ours {o['per_s']}/s ({o['median_ms']} ms, "
            f"{o['requests_per_push']} req/push), ceiling {c['per_s']}/s ({c['median_ms']} ms, "
            f"{c['requests_per_push']} req/push): {p['ratio_vs_ceiling']}x the ceiling"
        )
    a, m = push["identical_repush"], push["amended_push"]
    lines.append(
        f"  identical re-push {a['median_ms']} ms ({a['requests_per_push']} req, "
        f"{a['entry_statuses']}); same post again {a['ceiling_same_post_again']['median_ms']} ms"
    )
    lines.append(f"  amended push {m['median_ms']} ms ({m['requests_per_push']} req, {m['entry_statuses']})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/push.py", description=__doc__)
    parser.add_argument("--push-base", required=True, help="FHIR base URL, e.g. http://127.0.0.1:8096/fhir")
    parser.add_argument("--push-count", type=int, default=1000)
    parser.add_argument("--push-concurrency", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    template = json.loads((HERE / "fixtures" / "full.json").read_text(encoding="utf-8"))
    figures = run(args.push_base, args.push_count, args.push_concurrency, template)
    print("\n".join(table(figures)))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
