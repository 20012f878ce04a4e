"""The service section of bench/run: ``fhir-werk serve`` under load, as a subprocess.

Local mode on a free port (``--port 0``, the URL read from the start banner as
``tests/service/kit.py`` does), a temporary data dir, and delivery to either the *file* adapter
in that dir (no server needed) or, with ``--service-target fhir --push-base URL``, the *fhir*
adapter to a HAPI server (every patient the bodies name and their Practitioner put there first:
HAPI enforces referential integrity). QuestionnaireResponses built from the shipped examples
(``questionnaires/voorbeelden/``), each with its own identifier and its own patient. First an
open-loop run at a fixed rate (50/s) for the p99 target, latency counted from the moment each
request was due (a late send counts as late), with the outbox draining meanwhile; then the
outbox left to drain; then 16 client threads (one httpx client each) POSTing back to back for a
fixed time, every latency recorded, and the outbox drain timed until nothing is queued. Delivery
runs in the serve process (its worker thread) or, with ``--separate-worker``, in its own
``fhir-werk worker`` process next to ``serve --no-worker``. Peak memory: VmHWM of the serve
process, every child it has and the worker process, sampled throughout. Optionally the same on a
throw-away PostgreSQL cluster (``initdb`` and ``pg_ctl`` from /usr/local/bin, as
``tests/service/test_postgresql.py``).

Run alone: ``.venv/bin/python bench/service.py [--service-seconds 30] [--service-target fhir
--push-base URL] [--separate-worker] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLES = ROOT / "questionnaires" / "voorbeelden"
FHIR_WERK = ROOT / ".venv" / "bin" / "fhir-werk"
PG_BIN = Path("/usr/local/bin")
FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
CLIENTS = 16
RATE = 50.0
WARMUP = 40
DRAIN_TIMEOUT = 300.0
SEED_RPS = 200
"""Patients put on the HAPI server per second of load: more than the service takes in."""

Figure = dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    """Where the service delivers, and whether its worker is a process of its own."""

    target: str = "file"
    push_base: str | None = None
    separate_worker: bool = False

    def __post_init__(self) -> None:
        if self.target not in ("file", "fhir") or (self.target == "fhir") != bool(self.push_base):
            raise ValueError("--service-target fhir needs --push-base URL (and file none)")


class Bodies:
    """Distinct request bodies from the shipped examples: identifier and patient per request."""

    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:8]
        self._templates: list[str] = []
        self.authors: set[str] = set()
        for path in sorted(EXAMPLES.glob("QuestionnaireResponse-*.json")):
            resource: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if resource.get("status") not in ("completed", "amended"):
                continue  # a draft is stored but neither extracted nor delivered
            resource.pop("id", None)
            if isinstance(resource.get("author"), dict):
                self.authors.add(resource["author"]["reference"])
            resource["identifier"] = {
                "system": "https://fhir-werk.nl/fhir/NamingSystem/bench-service",
                "value": "@@N@@",
            }
            resource["subject"] = {"reference": "Patient/@@N@@"}
            self._templates.append(json.dumps(resource, ensure_ascii=False))
        self._lock = threading.Lock()
        self._n = 0

    def references(self, count: int) -> list[str]:
        """What the first ``count`` bodies point at: their patients and the authors."""
        return [f"Patient/bs-{self.tag}-{n}" for n in range(count)] + sorted(self.authors)

    def next(self) -> bytes:
        with self._lock:
            n = self._n
            self._n += 1
        text = self._templates[n % len(self._templates)]
        return text.replace("@@N@@", f"bs-{self.tag}-{n}").encode()


class Memory:
    """Peak VmHWM (MB) of a process and its children, sampled every 0.2 s in a thread."""

    def __init__(self, *pids: int) -> None:
        self.pids = pids
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, todo = [], list(self.pids)
        while todo:
            pid = todo.pop()
            pids.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with suppress(OSError):
                    todo += [int(c) for c in task.read_text().split()]
        return pids

    def sample(self) -> None:
        for pid in self._tree():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    mb = int(line.split()[1]) / 1024
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), mb)

    def cpu_seconds(self) -> float:
        """User + system CPU of the processes so far (a phase's cost: the difference of two)."""
        total = 0
        for pid in self._tree():
            with suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def stop(self) -> float:
        self.sample()
        self._stop.set()
        self._thread.join()
        return round(sum(self.peaks.values()), 1)


class Serve:
    """``fhir-werk serve --port 0`` in local mode with its data in ``folder`` (and, for a
    separate worker, ``fhir-werk worker`` on the same data)."""

    def __init__(
        self, folder: Path, database_url: str | None, workers: int = 1, delivery: Delivery = Delivery()
    ) -> None:
        env = os.environ | {"FHIR_WERK_DATA_DIR": str(folder)}
        if database_url:
            env["FHIR_WERK_DATABASE_URL"] = database_url
        if delivery.target == "fhir":
            env |= {
                "FHIR_WERK_SERVICE_TARGETS": '["fhir"]',
                "FHIR_WERK_FHIR_BASE_URL": str(delivery.push_base),
            }
        self.folder = folder
        self.delivery = delivery
        command = [str(FHIR_WERK), "serve", "--port", "0", "--workers", str(workers)]
        self.process = subprocess.Popen(
            [*command, "--no-worker"] if delivery.separate_worker else command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.worker: subprocess.Popen[bytes] | None = None
        assert self.process.stderr is not None
        self.banner: list[str] = []
        for raw in self.process.stderr:  # the banner comes before the server accepts requests
            line = raw.decode(errors="replace")
            self.banner.append(line.rstrip())
            if line.startswith("FHIR-basis: "):
                break
        else:
            self.process.wait()
            raise RuntimeError(f"fhir-werk serve did not start: {self.banner[-5:]}")
        self.base = line.split()[1]
        self.errors: list[str] = []
        # Keep reading stderr: a full pipe would block the server.
        self._reader = threading.Thread(target=self._drain_stderr, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 60
        root = self.base.removesuffix("/fhir")
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{root}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("fhir-werk serve did not answer /healthz")
        if delivery.separate_worker:  # after serve migrated the database
            self.worker = subprocess.Popen(
                [str(FHIR_WERK), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        self.memory = Memory(self.process.pid, *([self.worker.pid] if self.worker else []))

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            if len(self.errors) < 50:
                self.errors.append(raw.decode(errors="replace").rstrip())

    def delivered(self) -> int:
        """Deliveries done: bundle files (file target) or delivered jobs (fhir target)."""
        if self.delivery.target == "file":
            return sum(1 for _ in (self.folder / "aflevering").glob("*.json"))
        return self.outbox().get("delivered", 0)

    def outbox(self) -> dict[str, int]:
        """Jobs per state, from the server's /metrics (read from the database at each scrape)."""
        text = httpx.get(self.base.removesuffix("/fhir") + "/metrics", timeout=30).text
        found: dict[str, int] = {}
        for line in text.splitlines():
            if line.startswith("fhir_werk_outbox_jobs{"):
                state = line.split('state="', 1)[1].split('"', 1)[0]
                found[state] = int(float(line.rsplit(" ", 1)[1]))
        return found

    def stop(self) -> None:
        for process in (self.worker, self.process):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _summary(ms: list[float]) -> Figure:
    if not ms:
        return {"n": 0}
    ordered = sorted(ms)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 1)

    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 1), "p99_ms": pct(0.99)}


def _post(http: httpx.Client, bodies: Bodies) -> int:
    return http.post("QuestionnaireResponse", content=bodies.next(), headers=FHIR_JSON).status_code


def _client(base: str) -> httpx.Client:
    return httpx.Client(base_url=base.rstrip("/") + "/", timeout=60)


def _full_load(base: str, bodies: Bodies, seconds: float, clients: int) -> Figure:
    """``clients`` threads posting back to back for ``seconds``."""
    ms: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    deadline = [0.0]

    def work() -> None:
        own: list[float] = []
        codes: dict[int, int] = {}
        with _client(base) as http:
            ready.wait()
            while time.perf_counter() < deadline[0]:
                started = time.perf_counter()
                code = _post(http, bodies)
                own.append((time.perf_counter() - started) * 1000)
                codes[code] = codes.get(code, 0) + 1
        with lock:
            ms.extend(own)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    ready.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(ms),
        "rps": round(statuses.get(201, 0) / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    } | _summary(ms)


def _fixed_rate(base: str, bodies: Bodies, seconds: float, rate: float, clients: int) -> Figure:
    """Open loop: request i is due at start + i/rate; latency from when it was due."""
    total = int(seconds * rate)
    due_ms: list[float] = []
    sent_ms: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    slot = [0]
    start = time.perf_counter() + 0.5

    def work() -> None:
        with _client(base) as http:
            while True:
                with lock:
                    i = slot[0]
                    slot[0] += 1
                if i >= total:
                    return
                due = start + i / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                sent = time.perf_counter()
                code = _post(http, bodies)
                done = time.perf_counter()
                with lock:
                    due_ms.append((done - due) * 1000)
                    sent_ms.append((done - sent) * 1000)
                    statuses[code] = statuses.get(code, 0) + 1

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {
        "rate": rate,
        "requests": total,
        "achieved_rps": round(total / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "from_send": _summary(sent_ms),
    } | _summary(due_ms)


def _drain(serve: Serve, expected: int) -> Figure:
    """Wait until every expected delivery file is there and nothing is queued; rate over that time."""
    started = time.perf_counter()
    at_start = serve.delivered()
    done = at_start
    polls = 0
    while time.perf_counter() - started < DRAIN_TIMEOUT:
        done = serve.delivered()
        if done >= expected:
            break
        polls += 1
        if polls % 8 == 0 and not {"queued", "retrying"} & {k for k, v in serve.outbox().items() if v}:
            break  # nothing left to try (a dead job): the states below say why
        time.sleep(0.25)
    elapsed = time.perf_counter() - started
    states = serve.outbox()
    return {
        "backlog_at_start": expected - at_start,
        "delivered": done - at_start,
        "seconds": round(elapsed, 1),
        "per_s": round((done - at_start) / elapsed, 1) if done > at_start else None,
        "complete": done >= expected,
        "outbox_states": states,
    }


def _one(
    database_url: str | None, seconds: float, clients: int, rate: float, workers: int, delivery: Delivery
) -> Figure:
    bodies = Bodies()
    if delivery.push_base:
        import push  # type: ignore[import-not-found,unused-ignore]  # bench/push.py, next to this file

        push.seed(delivery.push_base, bodies.references(int(seconds * (SEED_RPS + rate)) + WARMUP))
    folder = Path(tempfile.mkdtemp(prefix="fhir-werk-bench-service-"))
    try:
        serve = Serve(folder, database_url, workers, delivery)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # a serve that did not start leaves nothing behind
        raise
    try:
        with _client(serve.base) as http:
            warm = [_post(http, bodies) for _ in range(WARMUP)]
        if warm.count(201) != WARMUP:
            raise RuntimeError(f"warm-up: statuses {sorted(set(warm))}: {serve.errors[-3:]}")
        warm_drain = _drain(serve, WARMUP)
        if not warm_drain["complete"]:
            raise RuntimeError(f"warm-up not delivered: {warm_drain['outbox_states']}: {serve.errors[-3:]}")
        # The fixed rate first, on an empty outbox: its p99 is the target, with the worker busy.
        before, cpu = serve.delivered(), serve.memory.cpu_seconds()
        fixed = _fixed_rate(serve.base, bodies, seconds, rate, clients)
        fixed_created = fixed["statuses"].get("201", 0)
        fixed["delivered_during_run"] = serve.delivered() - before
        # CPU of serve (and worker) over the run, per request: includes the deliveries made meanwhile.
        fixed["service_cpu_ms_per_request"] = round(
            1000 * (serve.memory.cpu_seconds() - cpu) / max(fixed["requests"], 1), 2
        )
        fixed_drain = _drain(serve, before + fixed_created)
        fixed["drain_after"] = {
            k: fixed_drain[k] for k in ("backlog_at_start", "seconds", "per_s", "complete")
        }
        before = serve.delivered()
        load = _full_load(serve.base, bodies, seconds, clients)
        during = serve.delivered() - before
        created = load["statuses"].get("201", 0)
        drain = _drain(serve, before + created) | {"delivered_during_load": during}
        drain["per_s_overall"] = round(
            (during + drain["delivered"]) / (load["seconds"] + drain["seconds"]), 1
        )
        peak = serve.memory.stop()
        return {
            "database": "postgresql" if database_url else "sqlite (WAL)",
            "serve_workers": workers,
            "target": delivery.target,
            "separate_worker": delivery.separate_worker,
            "rps": load["rps"],
            "p50_ms": load.get("p50_ms"),
            "p99_ms": load.get("p99_ms"),
            "p99_ms_at_rate": fixed.get("p99_ms"),
            "peak_rss_mb": peak,
            "drain_per_s": drain["per_s"],
            "full_load": load,
            "drain": drain,
            "fixed_rate": fixed,
            "processes": len(serve.memory.peaks),
            "server_stderr_tail": serve.errors[-5:],
        }
    finally:
        serve.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _as_postgres(*command: str) -> list[str]:
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def postgres() -> Iterator[str]:
    """A throw-away cluster on a free port (fsync off, as in the tests); yields its URL."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"no initdb in {PG_BIN}")
    folder = Path(tempfile.mkdtemp(prefix="fhir-werk-bench-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    pg_ctl = str(PG_BIN / "pg_ctl")
    try:
        subprocess.run(
            _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "werk", "--auth=trust", "-E", "UTF8"),
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"),
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://werk@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "stop"), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def run(
    seconds: float = 30.0,
    clients: int = CLIENTS,
    rate: float = RATE,
    with_postgres: bool = True,
    workers: int = 1,
    delivery: Delivery = Delivery(),
) -> Figure:
    """The service figures: SQLite, then PostgreSQL when a cluster can be started."""
    figure: Figure = {"load_at_start": os.getloadavg()}
    figure |= _one(None, seconds, clients, rate, workers, delivery)
    if with_postgres:
        try:
            with postgres() as url:
                figure["postgresql"] = _one(url, seconds, clients, rate, workers, delivery)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            figure["postgresql"] = {"rps": None, "reason": f"not measured: PostgreSQL did not start ({exc})"}
    figure["load"] = os.getloadavg()  # at the end
    return figure


def _lines(name: str, f: Figure) -> list[str]:
    fixed = f["fixed_rate"]
    d = f["drain"]
    return [
        f"  {name}, serve --workers {f.get('serve_workers', 1)}, {f['full_load']['clients']} clients, "
        f"{f['full_load']['seconds']} s: "
        f"{f['rps']} req/s, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms "
        f"(statuses {f['full_load']['statuses']})",
        f"    at {fixed['rate']:g}/s: p50 {fixed.get('p50_ms')} ms, p99 {fixed.get('p99_ms')} ms from due "
        f"(from send: p99 {fixed['from_send'].get('p99_ms')} ms), achieved {fixed['achieved_rps']}/s, "
        f"delivered during it {fixed['delivered_during_run']} of {fixed['requests']}, the rest in "
        f"{fixed['drain_after']['seconds']} s after ({fixed['drain_after'].get('per_s')}/s); "
        f"service CPU {fixed['service_cpu_ms_per_request']} ms per request",
        f"    outbox drain {f['drain_per_s']}/s ({d['backlog_at_start']} queued after the load, "
        f"{d['seconds']} s; {d['delivered_during_load']} delivered during the load; overall "
        f"{d['per_s_overall']}/s), peak RSS {f['peak_rss_mb']} MB ({f['processes']} process(es))",
    ]


def table(figure: Figure) -> list[str]:
    """Lines for bench/run's table."""
    where = "fhir adapter to a HAPI server" if figure.get("target") == "fhir" else "file adapter"
    worker = "worker process" if figure.get("separate_worker") else "worker in serve"
    lines = [f"service (fhir-werk serve, local mode, {where}, {worker}):"]
    lines += _lines("sqlite", figure)
    pg = figure.get("postgresql")
    if pg is not None and pg.get("rps") is None:
        lines.append(f"  postgresql: {pg['reason']}")
    elif pg is not None:
        lines += _lines("postgresql", pg)
    return lines


def add_delivery_options(parser: argparse.ArgumentParser) -> None:
    """The options that choose the service's delivery (also bench/run's)."""
    parser.add_argument(
        "--service-target",
        choices=("file", "fhir"),
        default="file",
        help="deliver to files (default) or with the fhir adapter to --push-base",
    )
    if not any("--push-base" in a.option_strings for a in parser._actions):
        parser.add_argument("--push-base", metavar="URL", help="FHIR base URL of a HAPI server")
    parser.add_argument(
        "--separate-worker",
        action="store_true",
        help="serve --no-worker next to a fhir-werk worker process",
    )


def delivery_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Delivery:
    """The :class:`Delivery` the options ask for (a usage error when they do not fit)."""
    try:
        return Delivery(
            args.service_target,
            args.push_base if args.service_target == "fhir" else None,
            args.separate_worker,
        )
    except ValueError as exc:
        parser.error(str(exc))


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/service.py", description=__doc__)
    parser.add_argument("--service-seconds", type=float, default=30.0)
    parser.add_argument("--no-postgresql", action="store_true")
    parser.add_argument("--serve-workers", type=int, default=1, help="serve --workers N")
    add_delivery_options(parser)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = run(
        args.service_seconds,
        with_postgres=not args.no_postgresql,
        workers=args.serve_workers,
        delivery=delivery_of(parser, args),
    )
    print("\n".join(table(figures)))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
