#!/usr/bin/env python3
"""Remote execution figures: stask's client and `stask worker`s on a Remote Execution API server (BuildGrid).

Measured with the release binaries, medians of --runs runs:

- one trivial action (`echo x > out`, a fresh salt in the Taskfile's `env:` each run, so the action cache
  never has it): wall time of `stask build --remote-only`, raw and net of a local no-op's start-up;
- throughput: a `foreach` over --actions trivial files (fresh salt), actions/s = actions / wall time, at each
  --remote-jobs value;
- cache hits: the same builds again in a second clean checkout, everything from the action cache;
- where the time goes for one trivial action: the client's spawn and exit (this script's clock), the
  server's job timestamps (BuildGrid's database: queued, and the worker's timestamps it records), the task's
  span in `stask build --trace`, and the worker's own `exit 0 in X s` log line.

    bench/remote.py                                    # starts BuildGrid (scripts/buildgrid-start) and 2 workers
    bench/remote.py --runs 5 --workers 2 --json bench/results/remote.json
    bench/remote.py --endpoint grpc://127.0.0.1:50051/e2e-5   # a running server: only the workers are started

Without --endpoint the server runs in $STASK_BUILDGRID_DIR (default: a new temporary directory) and is stopped
at the end when this script started it. The timestamp split needs the server's database, so it is only
reported for a server started by the scripts. stask defaults to .build/release/stask, with stask-remote beside
it (`swift build -c release --product stask --static-swift-stdlib && swift build -c release --product
stask-remote`). Standard library only; tables go to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PGBIN = Path("/usr/lib/postgresql/15/bin")
SUMMARY = re.compile(r"remote execution: (\d+) run remotely, (\d+) from the action cache, (\d+) run locally")
WORKER_LINE = re.compile(r"stask worker: ([0-9a-f]{12}) exit (\d+) in ([0-9.]+) s")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt_ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time so far of the processes (those that are gone count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    """CPU time of this script's reaped children (stask builds, with their stask-remote helpers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------------------------------------
# The server and the workers


class Server:
    """A BuildGrid server: one given by --endpoint, or one started (and later stopped) with the scripts."""

    def __init__(self, endpoint: str | None, instance: str, scratch: Path) -> None:
        self.started = False
        self.run_dir: Path | None = None
        if endpoint:
            self.url = endpoint
            return
        self.run_dir = Path(os.environ.get("STASK_BUILDGRID_DIR") or scratch / "buildgrid")
        os.environ["STASK_BUILDGRID_DIR"] = str(self.run_dir)
        pid_file = self.run_dir / "bgd.pid"
        running = pid_file.exists() and Path(f"/proc/{pid_file.read_text().strip()}").exists()
        log(f"remote: starting BuildGrid in {self.run_dir}" if not running else "remote: reusing BuildGrid")
        result = subprocess.run([str(ROOT / "scripts/buildgrid-start")], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"scripts/buildgrid-start exited with {result.returncode}: {result.stderr[-500:]}")
        self.started = not running
        base = result.stdout.strip().split("=", 1)[1]
        self.url = f"{base}/{instance}" if instance else base

    def jobs(self, digest_prefixes: list[str]) -> dict[str, dict[str, float]]:
        """BuildGrid's timestamps (Unix seconds) of the jobs whose action digests start with the prefixes."""
        if self.run_dir is None or not digest_prefixes:
            return {}
        columns = ("queued_timestamp", "worker_start_timestamp", "input_fetch_start_timestamp",
                   "input_fetch_completed_timestamp", "execution_start_timestamp", "execution_completed_timestamp",
                   "output_upload_start_timestamp", "output_upload_completed_timestamp", "worker_completed_timestamp")
        selected = ", ".join(f"extract(epoch from {column})" for column in columns)
        condition = " or ".join(f"action_digest like '{prefix}%'" for prefix in digest_prefixes)
        port = (self.run_dir / "pg.port").read_text().strip()
        result = subprocess.run(
            [str(PGBIN / "psql"), "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "bgd", "-qAt", "-F", "\t",
             "-c", f"select action_digest, {selected} from jobs where {condition}"],
            capture_output=True, text=True)
        jobs: dict[str, dict[str, float]] = {}
        for line in result.stdout.splitlines():
            digest, *values = line.split("\t")
            jobs[digest[:12]] = {column: float(value) for column, value in zip(columns, values) if value}
        return jobs

    def pids(self) -> list[int]:
        """The server's processes: bgd, the PostgreSQL postmaster and its children (one per connection)."""
        if self.run_dir is None:
            return []
        found = []
        for name in ("bgd.pid", "postgres.pid"):
            try:
                found.append(int((self.run_dir / name).read_text().strip()))
            except (OSError, ValueError):
                pass
        if len(found) == 2:
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == found[1]:
                        found.append(int(stat.parent.name))
                except (OSError, ValueError, IndexError):
                    continue
        return found

    def stop(self) -> None:
        if self.started:
            subprocess.run([str(ROOT / "scripts/buildgrid-stop")], capture_output=True)


class Workers:
    """N `stask worker` processes on the server, each logging to a file of its own."""

    def __init__(self, stask: str, url: str, count: int, scratch: Path) -> None:
        self.logs = [scratch / f"worker-{index}.log" for index in range(count)]
        self.processes = []
        for index, path in enumerate(self.logs):
            work = scratch / f"worker-{index}"
            work.mkdir()
            with open(path, "w") as handle:
                self.processes.append(subprocess.Popen(
                    [stask, "worker", "--bots", url, "--work-dir", str(work)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=handle))
        deadline = time.monotonic() + 30
        while not all("in session" in path.read_text() for path in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                raise RuntimeError("a worker did not open its session: " + " | ".join(p.read_text() for p in self.logs))
            time.sleep(0.05)

    def lines(self) -> dict[str, float]:
        """Every `exit 0` line so far: action digest prefix → the worker's time for it, in seconds."""
        found: dict[str, float] = {}
        for path in self.logs:
            for match in WORKER_LINE.finditer(path.read_text()):
                if match.group(2) == "0":
                    found[match.group(1)] = float(match.group(3))
        return found

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# ---------------------------------------------------------------------------------------------
# Projects and builds


def one_task_project(path: Path, salt: str) -> Path:
    write(path / "Taskfile", f"""version: 1
env: {{BENCH_SALT: "{salt}"}}
tasks:
  one:
    outputs: [out]
    run: echo x > out
""")
    return path


def foreach_project(path: Path, salt: str, count: int) -> Path:
    for index in range(count):
        write(path / "src" / f"f{index:03d}.txt", f"f{index:03d}\n")
    write(path / "Taskfile", f"""version: 1
env: {{BENCH_SALT: "{salt}"}}
tasks:
  step:
    foreach: src/*.txt
    inputs: ["{{{{item}}}}"]
    outputs: ["out/{{{{stem}}}}.txt"]
    run: cat {{{{item}}}} > {{{{output}}}}
""")
    return path


def clean_copy(source: Path, target: Path) -> Path:
    """A second checkout: the sources and the Taskfile, without outputs or build state."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".stask", "out"))
    return target


class Bench:
    def __init__(self, args: argparse.Namespace, scratch: Path, url: str | None, workers: Workers | None,
                 server: Server | None = None) -> None:
        self.args = args
        self.scratch = scratch
        self.url = url
        self.workers = workers
        self.server = server
        self.counter = 0

    def fresh(self, name: str) -> Path:
        self.counter += 1
        return self.scratch / f"{name}-{self.counter}"

    def build(self, project: Path, *extra: str, expect: tuple[int, int] | None = None) -> tuple[float, float, float]:
        """Runs `stask build` in project; returns (wall seconds, spawn time, exit time) by this clock and
        time.time(). With `expect` = (run remotely, from the action cache) the summary line must say so."""
        argv = [self.args.stask, "build", "--progress", "plain", *extra]
        if self.url:
            argv += ["--remote-executor", self.url, "--remote-only"]
        spawned_wall = time.time()
        started = time.perf_counter()
        result = subprocess.run(argv, cwd=project, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - started
        exited_wall = time.time()
        if result.returncode != 0:
            raise RuntimeError(f"stask build in {project} exited with {result.returncode}:\n"
                               f"{result.stdout[-1500:]}{result.stderr[-1500:]}")
        if expect is not None:
            match = SUMMARY.search(result.stdout + result.stderr)
            counts = (int(match.group(1)), int(match.group(2))) if match else None
            if counts != expect or (match and match.group(3) != "0"):
                raise RuntimeError(f"expected {expect} (run remotely, cached), got: {result.stdout[-800:]}")
        return wall, spawned_wall, exited_wall

    def startup(self) -> list[float]:
        """A local no-op of a built one-task project: stask's start-up, planning and state check."""
        project = one_task_project(self.fresh("noop"), "local")
        local = Bench(self.args, self.scratch, None, None)
        local.build(project)
        return [local.build(project)[0] for _ in range(max(self.args.runs, 10))]

    def trivial(self) -> dict[str, list[float]]:
        """One trivial action per run, new to the cluster; and the same action from the cache in a clean copy."""
        figures: dict[str, list[float]] = {key: [] for key in (
            "raw", "hit", "client_before_queue", "queue_to_assigned", "assigned_to_worker", "worker_fetch",
            "worker_run", "worker_upload", "worker_to_server", "worker_line", "after_server", "trace_span")}
        for run in range(self.args.runs):
            project = one_task_project(self.fresh("trivial"), uuid.uuid4().hex)
            before = set(self.workers.lines()) if self.workers else set()
            trace = project / "trace.json"
            wall, spawned, exited = self.build(project, "--trace", str(trace), expect=(1, 0))
            figures["raw"].append(wall)
            figures["trace_span"] += [event["dur"] / 1e6 for event in json.loads(trace.read_text())["traceEvents"]
                                      if event.get("ph") == "X" and event.get("name") == "one"]
            if self.workers:
                new = {prefix: seconds for prefix, seconds in self.workers.lines().items() if prefix not in before}
                figures["worker_line"] += list(new.values())
                for job in (self.server.jobs(list(new)) if self.server else {}).values():
                    self.split(job, spawned, exited, figures)
            copy = clean_copy(project, self.fresh("trivial-hit"))
            figures["hit"].append(self.build(copy, expect=(0, 1))[0])
            log(f"remote: trivial run {run + 1}: {wall * 1000:.0f} ms; from the cache {figures['hit'][-1] * 1000:.0f} ms")
        return figures

    @staticmethod
    def split(job: dict[str, float], spawned: float, exited: float, figures: dict[str, list[float]]) -> None:
        def span(start: str, end: str) -> float | None:
            return job[end] - job[start] if start in job and end in job else None

        # BuildGrid sets worker_start_timestamp when it assigns the job to a bot and worker_completed_timestamp
        # when the bot's completion reaches it; the others are the worker's own, from its ActionResult.
        pairs = {"queue_to_assigned": ("queued_timestamp", "worker_start_timestamp"),
                 "assigned_to_worker": ("worker_start_timestamp", "input_fetch_start_timestamp"),
                 "worker_fetch": ("input_fetch_start_timestamp", "input_fetch_completed_timestamp"),
                 "worker_run": ("execution_start_timestamp", "execution_completed_timestamp"),
                 "worker_upload": ("output_upload_start_timestamp", "output_upload_completed_timestamp"),
                 "worker_to_server": ("output_upload_completed_timestamp", "worker_completed_timestamp")}
        for key, (start, end) in pairs.items():
            value = span(start, end)
            if value is not None:
                figures[key].append(value)
        if "queued_timestamp" in job:
            figures["client_before_queue"].append(job["queued_timestamp"] - spawned)
        if "worker_completed_timestamp" in job:
            figures["after_server"].append(exited - job["worker_completed_timestamp"])

    def throughput(self, jobs: int) -> tuple[list[float], list[float], dict[str, list[float]]]:
        """--actions trivial actions with --remote-jobs jobs: (walls, walls of a clean copy from the cache, CPU
        seconds per action of the server, the client and the workers in the first build)."""
        walls, hits = [], []
        cpu: dict[str, list[float]] = {"server": [], "client": [], "workers": []}
        count = self.args.actions
        server_pids = self.server.pids() if self.server else []
        worker_pids = [process.pid for process in self.workers.processes] if self.workers else []
        for run in range(self.args.runs):
            project = foreach_project(self.fresh(f"foreach-{jobs}"), uuid.uuid4().hex, count)
            before = (cpu_seconds(server_pids), children_cpu(), cpu_seconds(worker_pids))
            walls.append(self.build(project, "--remote-jobs", str(jobs), expect=(count, 0))[0])
            after = (cpu_seconds(server_pids), children_cpu(), cpu_seconds(worker_pids))
            for key, start, end in zip(("server", "client", "workers"), before, after):
                cpu[key].append((end - start) / count)
            copy = clean_copy(project, self.fresh(f"foreach-{jobs}-hit"))
            hits.append(self.build(copy, "--remote-jobs", str(jobs), expect=(0, count))[0])
            log(f"remote: {count} actions, --remote-jobs {jobs}, run {run + 1}: {walls[-1]:.2f} s "
                f"({count / walls[-1]:.1f}/s); from the cache {hits[-1]:.2f} s")
        return walls, hits, cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stask", default=str(ROOT / ".build/release/stask"))
    parser.add_argument("--endpoint", help="grpc://HOST:PORT[/INSTANCE] of a running server (default: start one)")
    parser.add_argument("--instance", default="", help="instance of a server this script starts (default \"\")")
    parser.add_argument("--workers", type=int, default=2, help="stask workers to start (default 2)")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; medians are reported (default 5)")
    parser.add_argument("--actions", type=int, default=50, help="actions of the throughput build (default 50)")
    parser.add_argument("--remote-jobs", default="4,16", help="--remote-jobs values of the throughput build")
    parser.add_argument("--json", help="also write every run's figures to this file")
    args = parser.parse_args(argv)
    args.stask = os.path.abspath(args.stask)
    for binary in (args.stask, str(Path(args.stask).parent / "stask-remote")):
        if not os.access(binary, os.X_OK):
            log(f"no {binary}: swift build -c release --product stask --static-swift-stdlib && "
                "swift build -c release --product stask-remote")
            return 2
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="stask-remote-bench-") as name:
        scratch = Path(name)
        # PostgreSQL runs as the postgres user when this runs as root: it must reach the run directory inside.
        scratch.chmod(0o755)
        server = Server(args.endpoint, args.instance, scratch)
        workers = None
        try:
            workers = Workers(args.stask, server.url, args.workers, scratch)
            bench = Bench(args, scratch, server.url, workers, server)
            log(f"remote: server {server.url}, {args.workers} workers")
            startup = bench.startup()
            trivial = bench.trivial()
            throughput = {int(jobs): bench.throughput(int(jobs)) for jobs in args.remote_jobs.split(",")}
        finally:
            if workers:
                workers.stop()
            server.stop()
    load_after = os.getloadavg()

    start = median(startup) or 0.0
    raw = median(trivial["raw"])
    print(f"| figure ({args.workers} workers, medians of {args.runs}) | value |")
    print("|---|---|")
    print(f"| local no-op (start-up) | {fmt_ms(start)} |")
    print(f"| one trivial action, remote: raw / net of start-up | {fmt_ms(raw)} / {fmt_ms(raw - start)} |")
    hit = median(trivial["hit"])
    print(f"| one trivial action from the action cache: raw / net | {fmt_ms(hit)} / {fmt_ms(hit - start)} |")
    for jobs, (walls, hits, cpu) in throughput.items():
        wall, hit_wall = median(walls), median(hits)
        print(f"| {args.actions} actions, --remote-jobs {jobs}: wall / actions/s | {wall:.2f} s / "
              f"{args.actions / wall:.1f} |")
        if cpu["server"] and median(cpu["server"]):
            print(f"| … CPU per action: server (bgd + PostgreSQL) / client (stask + helper) / workers | "
                  f"{fmt_ms(median(cpu['server']))} / {fmt_ms(median(cpu['client']))} / "
                  f"{fmt_ms(median(cpu['workers']))} |")
        print(f"| {args.actions} actions from the action cache, --remote-jobs {jobs}: total / per action | "
              f"{hit_wall:.2f} s / {fmt_ms(hit_wall / args.actions)} |")
    print()
    print("| one trivial action: where the time goes (medians) | time |")
    print("|---|---|")
    rows = (("client: spawn → the server has queued the job (start-up, hashing, cache lookup, upload, Execute)",
             "client_before_queue"),
            ("server: queued → assigned to a worker", "queue_to_assigned"),
            ("assigned → the worker starts fetching (lease delivered in an UpdateBotSession reply)",
             "assigned_to_worker"),
            ("worker: fetch the command and inputs", "worker_fetch"),
            ("worker: run `echo x > out`", "worker_run"),
            ("worker: upload the outputs", "worker_upload"),
            ("worker's log line `exit 0 in X s` (fetch, run, upload)", "worker_line"),
            ("worker done → the server has the completion (UpdateBotSession)", "worker_to_server"),
            ("server has the completion → stask exits (operation stream, download, state)", "after_server"),
            ("client: the task's span in `stask build --trace`", "trace_span"))
    for label, key in rows:
        print(f"| {label} | {fmt_ms(median(trivial[key]))} |")
    print(f"\n(load average {', '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{', '.join(f'{x:.2f}' for x in load_after)} after; {os.cpu_count()} cores)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "startup": startup, "trivial": trivial,
            "throughput": {str(jobs): {"walls": w, "cache_hits": h, "cpu_per_action": c}
                           for jobs, (w, h, c) in throughput.items()},
            "loadavg": [load_before, load_after], "workers": args.workers, "actions": args.actions}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
