#!/usr/bin/env python3
"""Watch-mode latency: from a file's save to the start of the first command of the rebuild.

Generates a `wide` workload (N sources, one `cp` step each, one aggregate over all outputs), starts
`stask watch --progress json` on it, waits for the first build, then saves one source at a time and measures,
from the moment the write returns, until stask's `started` event of that source's step arrives on the pipe
(the event is written right before the command is spawned). The debounce (quiet period) is subtracted: it is
waiting by design. Also measured: a touch (no content change, nothing runs) until its `cycle` event, and each
cycle's own wall time as stask reports it.

    bench/watch.py                               # 1,000 and 10,000 targets, 20 saves each
    bench/watch.py --sizes 1000,10000,100000 --saves 30 --json bench/results/watch.json

stask defaults to .build/release/stask (build it with `swift build -c release --product stask
--static-swift-stdlib`). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def generate(base: Path, size: int) -> Path:
    root = base / f"wide-{size}"
    if root.exists():
        shutil.rmtree(root)
    (root / "src").mkdir(parents=True)
    for i in range(size):
        (root / "src" / f"f{i:06d}.txt").write_text(f"f{i:06d}\n")
    write(root / "Taskfile", """version: 1
tasks:
  step:
    foreach: src/*.txt
    inputs: ["{{item}}"]
    outputs: ["out/{{stem}}.txt"]
    run: cp {{item}} {{output}}
  all:
    inputs: ["out/*.txt"]
    outputs: [all.txt]
    run: find out -name '*.txt' -print0 | sort -z | xargs -0 cat > all.txt
""")
    return root


class Watch:
    """A running `stask watch --progress json`, its events read on a thread with their arrival times."""

    def __init__(self, stask: str, root: Path, debounce_ms: int, jobs: int) -> None:
        self.process = subprocess.Popen(
            [stask, "watch", "--progress", "json", "-j", str(jobs), "--watch-debounce", f"{debounce_ms}ms"],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self.events: queue.Queue[tuple[float, dict]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            arrived = time.perf_counter()
            try:
                self.events.put((arrived, json.loads(line)))
            except ValueError:
                continue
        self.events.put((time.perf_counter(), {"event": "eof"}))

    def until(self, predicate, timeout: float) -> tuple[float, dict]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching event")
            arrived, event = self.events.get(timeout=left)
            if event.get("event") == "eof":
                raise RuntimeError(f"stask exited with {self.process.wait()}")
            if predicate(event):
                return arrived, event

    def stop(self) -> None:
        self.process.send_signal(2)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def measure(stask: str, base: Path, size: int, saves: int, debounce_ms: int, jobs: int) -> dict:
    root = generate(base, size)
    watch = Watch(stask, root, debounce_ms, jobs)
    try:
        started = time.perf_counter()
        _, first = watch.until(lambda e: e.get("event") == "cycle", timeout=600 + size * 0.05)
        if not first.get("success"):
            raise RuntimeError(f"first build failed: {first}")
        first_build = time.perf_counter() - started
        latencies, cycle_times, touch_latencies = [], [], []
        for k in range(saves):
            name = f"f{(k * 7919) % size:06d}"
            path = root / "src" / f"{name}.txt"
            with open(path, "w") as handle:
                handle.write(f"{name} edit {k}\n")
            saved = time.perf_counter()
            arrived, _ = watch.until(
                lambda e: e.get("event") == "started" and e.get("id") == f"step[src/{name}.txt]", timeout=60)
            latencies.append((arrived - saved) * 1000 - debounce_ms)
            _, cycle = watch.until(lambda e: e.get("event") == "cycle", timeout=120)
            if cycle.get("ran") != [f"step[src/{name}.txt]", "all"]:
                raise RuntimeError(f"save {k} ran {cycle.get('ran')}")
            cycle_times.append(cycle["wall_time"] * 1000)
        for k in range(max(3, saves // 4)):
            path = root / "src" / f"f{(k * 104729) % size:06d}.txt"
            os.utime(path)
            touched = time.perf_counter()
            arrived, cycle = watch.until(lambda e: e.get("event") == "cycle", timeout=60)
            if cycle.get("ran"):
                raise RuntimeError(f"a touch ran {cycle.get('ran')}")
            touch_latencies.append((arrived - touched) * 1000 - debounce_ms)
        watch_peak_mb = peak_resident_mb(watch.process.pid)
    finally:
        watch.stop()
        shutil.rmtree(root, ignore_errors=True)
    build_peak_mb = one_build_peak_mb(stask, base, size, jobs)

    def summary(values: list[float]) -> dict:
        ordered = sorted(values)
        return {"median": statistics.median(ordered), "p90": ordered[int(0.9 * (len(ordered) - 1))],
                "min": ordered[0], "max": ordered[-1]}

    return {"size": size, "first_build_s": first_build, "save_to_start_ms": summary(latencies),
            "cycle_wall_ms": summary(cycle_times), "touch_to_cycle_ms": summary(touch_latencies),
            "watch_peak_mb": watch_peak_mb, "build_peak_mb": build_peak_mb}


def peak_resident_mb(pid: int) -> float:
    """The peak resident memory of a running process so far (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def one_build_peak_mb(stask: str, base: Path, size: int, jobs: int) -> float:
    """The peak resident memory of one `stask build` from scratch of the same workload, in MB."""
    root = generate(base, size)
    try:
        process = subprocess.Popen([stask, "build", "--progress", "plain", "-j", str(jobs)], cwd=root,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        if status != 0:
            raise RuntimeError(f"stask build exited with {status}")
        return usage.ru_maxrss * 1024 / 1e6
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stask", default=str(ROOT / ".build/release/stask"))
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated target counts")
    parser.add_argument("--saves", type=int, default=20, help="saves measured per size")
    parser.add_argument("--debounce", type=int, default=50, help="--watch-debounce in ms (subtracted)")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.stask = os.path.abspath(args.stask)
    if not os.access(args.stask, os.X_OK):
        print(f"no stask at {args.stask}: swift build -c release --product stask --static-swift-stdlib",
              file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory(prefix="stask-watch-bench-") as scratch:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"watch: {size} targets…", file=sys.stderr, flush=True)
            results.append(measure(args.stask, Path(scratch), size, args.saves, args.debounce, args.jobs))
    print("| targets | first build | save → first command (median / p90 / max) | cycle wall time (median) "
          "| touch → cycle line (median) | peak memory: watch / one build |")
    print("|---|---|---|---|---|---|")
    for r in results:
        s, c, t = r["save_to_start_ms"], r["cycle_wall_ms"], r["touch_to_cycle_ms"]
        print(f"| {r['size']:,} | {r['first_build_s']:.1f} s | {s['median']:.2f} / {s['p90']:.2f} / {s['max']:.2f} ms "
              f"| {c['median']:.2f} ms | {t['median']:.2f} ms | {r['watch_peak_mb']:.0f} / {r['build_peak_mb']:.0f} MB |")
    print(f"\n(debounce {args.debounce} ms subtracted; -j {args.jobs}; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "loadavg": os.getloadavg()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
