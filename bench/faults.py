#!/usr/bin/env python3
"""Seeded fault-injection runs for stask: the long version of the end-to-end fault tests.

Every scenario builds generated projects in temporary directories with the real `stask` binary, injects
one kind of fault, and checks the result against a clean build. Every random choice comes from --seed,
so a failure replays exactly: the report names the seed and the trial.

    bench/faults.py                              # every scenario, 50 trials where it applies
    bench/faults.py --only kill --trials 200 --seed 7
    bench/faults.py --only output --huge-size 1G
    bench/faults.py --binary .build/release/stask

Scenarios (--only, comma-separated):
  kill        SIGKILL stask at a random point (inside the N-th task, after the N-th task observed in the
              log, or after a seeded delay), possibly several times, editing sources between kills; the
              final outputs must equal a clean build's byte for byte, every dependent of an edited source
              must run, and a last build must run nothing. Also a task killed by SIGKILL or SIGSEGV, and
              the same with depfiles: every task also writes a depfile naming shared headers it reads, stask
              is killed also just after a task ends (while its discovered inputs are being recorded), and
              edited headers must rerun exactly the tasks whose depfiles named them.
  state       truncated, bit-flipped, garbage, empty, future-version, unreadable and directory-in-place
              `state` and `journal` files; a read-only state directory (bind mount, if mount works).
  lock        several builds started at once in one directory, and --no-wait.
  interrupt   SIGINT / SIGTERM while long tasks with grandchildren run.
  output      a task printing --huge-size bytes: stask's peak RSS, the log file, the tail.
  exhaustion  fork failing under a low RLIMIT_NPROC (as a non-root user), a full disk under .stask.

Needs Linux (/proc), Python 3.9+; the mount and setpriv parts need root and are skipped otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
BINARY = PACKAGE / ".build" / "debug" / "stask"
NOBODY = 65534

HOOK = """\
# Called by every generated task between the two halves of its output: $1 task name, $2 stask's pid.
# Appends the name to log.txt; when kill.at exists and the log has reached that many lines, SIGKILLs
# stask (so the kill lands inside a task, with its output half written).
echo "$1" >> log.txt
if [ -f kill.at ]; then
    at=$(cat kill.at)
    n=$(wc -l < log.txt)
    if [ "$n" -ge "$at" ]; then kill -KILL "$2" 2>/dev/null; fi
fi
# kill.after holds "LINES SECONDS": once the log has that many lines, SIGKILL stask SECONDS from now, from a
# detached process (so the kill lands after this task's last command, while stask records the task or
# starts the next); the file is renamed first, so that only one task arms it.
if [ -f kill.after ]; then
    read at delay < kill.after
    n=$(wc -l < log.txt)
    if [ "$n" -ge "$at" ] && mv kill.after kill.armed 2>/dev/null; then
        (sleep "$delay"; kill -KILL "$2" 2>/dev/null) > /dev/null 2>&1 < /dev/null &
    fi
fi
"""


class Failure(Exception):
    """A check failed: the message says what and where."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


# MARK: - Running stask


class Result:
    def __init__(self, status: int, out: str, err: str, seconds: float):
        self.status, self.out, self.err, self.seconds = status, out, err, seconds

    def __str__(self) -> str:
        return f"status {self.status}\n--- stdout\n{self.out[-3000:]}--- stderr\n{self.err[-3000:]}"


def stask(root: Path, *args: str, prefix: list[str] | None = None, timeout: float = 300) -> Result:
    """Runs `stask build --progress=plain -j4 args` in root and waits."""
    command = (prefix or []) + [str(BINARY), "build", "--progress=plain", "-j", "4", *args]
    start = time.monotonic()
    done = subprocess.run(command, cwd=root, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return Result(
        done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"),
        time.monotonic() - start)


def start_stask(root: Path, *args: str, prefix: list[str] | None = None) -> subprocess.Popen:
    command = (prefix or []) + [str(BINARY), "build", "--progress=plain", "-j", "4", *args]
    return subprocess.Popen(
        command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def finish(process: subprocess.Popen, timeout: float = 300) -> Result:
    start = time.monotonic()
    out, err = process.communicate(timeout=timeout)
    return Result(process.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                  time.monotonic() - start)


# MARK: - Processes


def processes_in(root: Path) -> list[int]:
    """Live (non-zombie) processes whose working directory is root or below: the build's commands."""
    found = []
    prefix = str(root)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if (cwd == prefix or cwd.startswith(prefix + "/")) and is_alive(int(entry)):
            found.append(int(entry))
    return found


def is_alive(pid: int) -> bool:
    """Whether pid exists and is not a zombie (orphans may stay zombies when pid 1 does not reap)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids: list[int], timeout: float = 30) -> None:
    """Waits until every pid has exited, on pidfds where possible (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except (OSError, AttributeError):
            while is_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.002)
            continue
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            poller.poll(max(0, deadline - time.monotonic()) * 1000)
        finally:
            os.close(fd)
    still = [pid for pid in pids if is_alive(pid)]
    check(not still, f"processes still alive after {timeout}s: {still}")


def quiesce(root: Path, kill: bool) -> None:
    """Waits until no command of a killed build is left running in root (SIGKILLing them first if kill)."""
    while pids := processes_in(root):
        if kill:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        wait_gone(pids)


# MARK: - Generated projects


class Graph:
    """A seeded random DAG of tasks over source files; every command writes its output in two halves."""

    def __init__(self, rng: random.Random, tasks: int, sources: int, headers: int = 0):
        self.sources = [f"src/s{j:03}.txt" for j in range(sources)]
        self.headers = [f"hdr/h{j:02}.h" for j in range(headers)]
        self.names = [f"t{i:03}" for i in range(tasks)]
        self.deps: list[list[int]] = []
        self.srcs: list[list[int]] = []
        self.hdrs: list[list[int]] = []  # undeclared inputs, named only by the task's depfile
        for i in range(tasks):
            window = list(range(max(0, i - 30), i))
            count = min(rng.choice([0, 1, 1, 2, 2, 3]), len(window))
            deps = sorted(rng.sample(window, count))
            srcs = [rng.randrange(sources)] if not deps or rng.random() < 0.35 else []
            self.deps.append(deps)
            self.srcs.append(srcs)
            self.hdrs.append(sorted(rng.sample(range(headers), rng.choice([0, 1, 2]))) if headers else [])

    #: Whether the Taskfile ends with `zall`, an aggregate step over every file (see `taskfile`).
    aggregate = False
    #: Unchanging sources only `zall` reads, so that its record is large.
    PADDING = 240

    def output(self, i: int) -> str:
        return f"out/{self.names[i]}.txt"

    def taskfile(self) -> str:
        lines = ["version: 1", "tasks:"]
        for i, name in enumerate(self.names):
            inputs = [self.sources[s] for s in self.srcs[i]] + [self.output(d) for d in self.deps[i]]
            headers = [self.headers[h] for h in self.hdrs[i]]
            lines += [
                f"  {name}:",
                f"    inputs: [{', '.join(inputs)}]",
                f"    outputs: [{self.output(i)}]",
            ]
            if self.headers:
                lines.append(f"    depfile: out/{name}.d")
            lines += [
                "    run:",
                f"      - echo begin {name} > {{{{output}}}}",
                f"      - cat {' '.join(['{{inputs}}'] + headers)} | cksum >> {{{{output}}}}",
            ]
            if self.headers:
                # The depfile is written before the hook, so a kill inside the task leaves a complete one
                # behind for a task that never succeeded: it must not be recorded.
                rule = f"echo '{self.output(i)}: {' '.join(inputs + headers)}' > out/{name}.d"
                lines.append(f"      - {json.dumps(rule)}")
            lines += [
                f"      - sh hook.sh {name} $PPID",
                f"      - echo end {name} >> {{{{output}}}}",
            ]
        if self.aggregate:
            # Reads every source, padding and output: a record of some 10 KB, journaled as the digests that
            # changed since the snapshot's record (journal entry kind 5) when an edit changes some of them.
            lines += [
                "  zall:",
                '    inputs: ["src/**/*.txt", "out/t*.txt"]',
                "    outputs: [out/zall.txt]",
                "    run:",
                "      - echo begin zall > {{output}}",
                "      - cat {{inputs}} | cksum >> {{output}}",
                "      - sh hook.sh zall $PPID",
                "      - echo end zall >> {{output}}",
            ]
        return "\n".join(lines) + "\n"

    def write(self, root: Path, rng: random.Random) -> None:
        (root / "src").mkdir(parents=True, exist_ok=True)
        (root / "Taskfile").write_text(self.taskfile())
        (root / "hook.sh").write_text(HOOK)
        for path in self.sources:
            (root / path).write_text(f"{path} {rng.randrange(1 << 30)}\n")
        if self.aggregate:
            (root / "src" / "pad").mkdir(exist_ok=True)
            for j in range(self.PADDING):
                (root / "src" / "pad" / f"p{j:03}.txt").write_text(f"padding {j}\n")
        if self.headers:
            (root / "hdr").mkdir(exist_ok=True)
            for path in self.headers:
                (root / path).write_text(f"{path} {rng.randrange(1 << 30)}\n")

    def dependents(self, changed_sources: set[int], changed_headers: set[int] | None = None) -> set[str]:
        """Every task whose inputs (transitively) include one of the changed sources or headers."""
        changed_headers = changed_headers or set()
        dirty: set[int] = set()
        for i in range(len(self.names)):
            if (any(s in changed_sources for s in self.srcs[i]) or any(h in changed_headers for h in self.hdrs[i])
                    or any(d in dirty for d in self.deps[i])):
                dirty.add(i)
        return {self.names[i] for i in dirty}


def edit_sources(root: Path, graph: Graph, rng: random.Random, count: int, headers: bool = False) -> set[int]:
    """Edits `count` sources (or headers) in seeded ways: append, same size with the old mtime restored,
    replace file."""
    files = graph.headers if headers else graph.sources
    chosen = set(rng.sample(range(len(files)), min(count, len(files))))
    for index in chosen:
        path = root / files[index]
        old = path.read_bytes()
        kind = rng.choice(["append", "same-size", "replace"])
        if kind == "append":
            with open(path, "ab") as file:
                file.write(f"edit {rng.randrange(1 << 30)}\n".encode())
        elif kind == "same-size":
            # Same size, same mtime: only the content (and ctime) tell the change.
            stat = path.stat()
            new = bytearray(old)
            new[0] = ord("S") if new[0] != ord("S") else ord("T")
            with open(path, "r+b") as file:
                file.write(bytes(new))
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        else:
            path.unlink()
            path.write_bytes(old + b"replaced\n")
    return chosen


def outputs(root: Path) -> dict[str, bytes]:
    out = root / "out"
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())} if out.exists() else {}


def log_lines(root: Path) -> list[str]:
    log = root / "log.txt"
    return log.read_text().split() if log.exists() else []


def clean_reference(project: Path, scratch: Path) -> dict[str, bytes]:
    """Builds a fresh copy of project's Taskfile, hook and sources; returns its outputs."""
    clean = scratch / "clean"
    if clean.exists():
        shutil.rmtree(clean)
    clean.mkdir()
    for name in ["Taskfile", "hook.sh"]:
        shutil.copy2(project / name, clean / name)
    shutil.copytree(project / "src", clean / "src")
    if (project / "hdr").exists():
        shutil.copytree(project / "hdr", clean / "hdr")
    result = stask(clean)
    check(result.status == 0, f"clean build failed: {result}")
    return outputs(clean)


def to_run(root: Path) -> int:
    """How many tasks a build would run now (from a dry run)."""
    dry = stask(root, "--dry-run")
    match = re.search(r"stask: (\d+) to run", dry.out)
    return int(match.group(1)) if match else 0


def unexpected_warnings(result: Result) -> list[str]:
    """Warnings other than the expected 'damaged journal tail' after a kill."""
    lines = (result.out + result.err).splitlines()
    return [line for line in lines if "warning" in line and "damaged bytes at the end" not in line]


# MARK: - Scenario: kill


def trial_kill(rng: random.Random, scratch: Path, tasks: int, headers: int = 0) -> str:
    graph = Graph(rng, tasks, max(8, tasks // 6), headers)
    graph.aggregate = rng.random() < 0.5
    root = scratch / "project"
    root.mkdir()
    graph.write(root, rng)
    notes = []
    if rng.random() < (0.6 if headers else 0.4):
        first = stask(root)
        check(first.status == 0, f"first build failed: {first}")
        edit_sources(root, graph, rng, rng.randint(1, 4))
        if headers:
            edit_sources(root, graph, rng, rng.randint(0, 2), headers=True)
        notes.append("incremental")
    changed: set[int] = set()
    changed_headers: set[int] = set()
    for _ in range(rng.choice([1, 1, 2, 3])):
        before = len(log_lines(root))
        modes = ["hook", "hook", "log", "delay"] + (["after", "after", "after"] if headers else [])
        mode = rng.choice(modes)
        remaining = max(1, to_run(root))
        if mode == "hook":
            (root / "kill.at").write_text(str(before + rng.randint(1, remaining)))
            result = stask(root)
            notes.append(f"hook@{(root / 'kill.at').read_text()}")
        elif mode == "after":
            # The task's last command (an echo) takes about a millisecond after the hook.
            at, delay = before + rng.randint(1, remaining), 0.001 + rng.random() * 0.004
            (root / "kill.after").write_text(f"{at} {delay:.4f}\n")
            result = stask(root)
            notes.append(f"after@{at}+{delay * 1000:.1f}ms")
        elif mode == "log":
            at = before + rng.randint(1, remaining)
            process = start_stask(root)
            while process.poll() is None and len(log_lines(root)) < at:
                time.sleep(0.001)
            time.sleep(rng.random() * 0.01)
            process.kill()
            result = finish(process)
            notes.append(f"log@{at}")
        else:
            delay = rng.random() * 1.5
            process = start_stask(root)
            time.sleep(delay)
            process.kill()
            result = finish(process)
            notes.append(f"delay@{delay:.3f}")
        (root / "kill.at").unlink(missing_ok=True)
        (root / "kill.after").unlink(missing_ok=True)
        (root / "kill.armed").unlink(missing_ok=True)
        check(result.status in (0, -9), f"killed build ended oddly: {result}")
        if result.status == 0:
            notes[-1] += "(finished first)"
        quiesce(root, kill=rng.random() < 0.5)
        # Only edits after the last kill must rerun their dependents in the final build (an earlier killed
        # build may already have rebuilt some); the comparison with a clean build covers the rest.
        changed = edit_sources(root, graph, rng, rng.randint(0, 3))
        changed_headers = edit_sources(root, graph, rng, rng.randint(0, 2), headers=True) if headers else set()
    (root / "log.txt").unlink(missing_ok=True)
    final = stask(root)
    check(final.status == 0, f"rebuild after kill failed: {final}")
    check(not unexpected_warnings(final), f"unexpected warnings: {unexpected_warnings(final)}")
    ran = set(log_lines(root))
    skipped = graph.dependents(changed, changed_headers) - ran
    check(not skipped, f"stale targets skipped after kill: {sorted(skipped)}")
    got, want = outputs(root), clean_reference(root, scratch)
    differing = sorted(name for name in set(got) | set(want) if got.get(name) != want.get(name))
    check(not differing, f"outputs differ from a clean build: {differing[:10]}")
    (root / "log.txt").unlink(missing_ok=True)
    again = stask(root)
    check(again.status == 0 and not log_lines(root), f"build after recovery ran {log_lines(root)}: {again}")
    check(not unexpected_warnings(again), f"warnings after recovery: {again}")
    return " ".join(notes)


def trial_kill_depfile(rng: random.Random, scratch: Path, tasks: int) -> str:
    """trial_kill with depfiles naming shared headers, killed also just after a task ends."""
    return trial_kill(rng, scratch, tasks, headers=12)


def trial_task_signal(rng: random.Random, scratch: Path, _: int) -> str:
    """A task's process killed by hand (SIGKILL or SIGSEGV) fails like any failing step."""
    sig = rng.choice([signal.SIGKILL, signal.SIGSEGV])
    root = scratch / "project"
    root.mkdir()
    (root / "Taskfile").write_text(
        "version: 1\ntasks:\n"
        "  victim:\n    outputs: [victim.txt]\n    run:\n"
        "      - echo partial > victim.txt\n"
        "      - sh victim.sh\n"
        "  after:\n    deps: [victim]\n    run: echo after >> log.txt\n"
        "  other:\n    run: echo other >> log.txt\n")
    # While `armed` exists the victim records its pid and waits to be killed.
    (root / "victim.sh").write_text("if [ -f armed ]; then echo $$ > victim.pid; exec sleep 60; fi\n")
    (root / "armed").write_text("")
    process = start_stask(root, "-k")
    deadline = time.monotonic() + 60
    while not (root / "victim.pid").exists() or not (root / "victim.pid").read_text().strip():
        check(time.monotonic() < deadline and process.poll() is None, "the victim never started")
        time.sleep(0.002)
    os.kill(int((root / "victim.pid").read_text()), sig)
    result = finish(process)
    check(result.status == 1, f"a task killed by {sig.name} must fail the build (status 1): {result}")
    check("victim" in result.out and str(128 + int(sig)) in result.out, f"the failure names the status: {result}")
    check(log_lines(root) == ["other"], f"dependents aborted, independent work done: {log_lines(root)}")
    (root / "armed").unlink()
    (root / "log.txt").unlink()
    again = stask(root)
    check(again.status == 0 and sorted(log_lines(root)) == ["after"], f"the killed task reruns: {again}")
    return sig.name


# MARK: - Scenario: damaged state


def damage(path: Path, kind: str, rng: random.Random) -> str:
    data = path.read_bytes() if path.is_file() else b""
    if kind == "truncated":
        cut = rng.randrange(1, max(2, len(data)))
        path.write_bytes(data[:cut])
        return f"cut to {cut}"
    if kind == "bit-flip":
        offset = rng.randrange(len(data))
        bit = rng.randrange(8)
        flipped = bytearray(data)
        flipped[offset] ^= 1 << bit
        path.write_bytes(bytes(flipped))
        return f"byte {offset} bit {bit}"
    if kind == "garbage":
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4096))))
        return ""
    if kind == "empty":
        path.write_bytes(b"")
        return ""
    if kind == "future-version":
        bumped = bytearray(data)
        bumped[8:12] = (99).to_bytes(4, "little")
        path.write_bytes(bytes(bumped))
        return ""
    if kind == "unreadable":
        path.chmod(0)
        return ""
    if kind == "directory":
        path.unlink()
        path.mkdir()
        (path / "x").write_text("x")
        return ""
    raise ValueError(kind)


DAMAGE_KINDS = ["truncated", "bit-flip", "garbage", "empty", "future-version", "unreadable", "directory"]


def trial_state(rng: random.Random, scratch: Path, tasks: int) -> str:
    graph = Graph(rng, min(tasks, 60), 10)
    root = scratch / "project"
    root.mkdir()
    graph.write(root, rng)
    first = stask(root)
    check(first.status == 0, f"first build failed: {first}")
    which = rng.choice(["state", "journal"])
    if which == "state":
        # Only a compaction writes the snapshot: a damaged journal tail makes the next build compact.
        with open(root / ".stask" / "journal", "ab") as journal:
            journal.write(b"\x01")
        folded = stask(root)
        check(folded.status == 0 and (root / ".stask" / "state").is_file(), f"no snapshot: {folded}")
    kind = rng.choice(DAMAGE_KINDS)
    path = root / ".stask" / which
    detail = damage(path, kind, rng)
    prefix = None
    if kind == "unreadable":
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                return f"{which} {kind}: skipped (root without setpriv)"
            # Root reads any file: run stask as nobody over a project nobody owns.
            chown_tree(root, NOBODY)
            prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    (root / "log.txt").unlink(missing_ok=True)
    result = stask(root, prefix=prefix)
    check(result.status == 0, f"{which} {kind} ({detail}): build failed: {result}")
    text = result.out + result.err
    silent = which == "journal" and kind == "empty"  # nothing was lost: no warning, see README
    if not silent:
        check(f".stask/{which}: warning:" in text, f"{which} {kind} ({detail}): no warning naming the file: {result}")
    if which == "state":
        check(sorted(log_lines(root)) == sorted(graph.names), f"state {kind}: not a full rebuild: {result}")
    got, want = outputs(root), clean_reference(root, scratch)
    check(got == want, f"{which} {kind} ({detail}): outputs differ from a clean build")
    (root / "log.txt").unlink(missing_ok=True)
    again = stask(root, prefix=prefix)
    check(again.status == 0 and not log_lines(root) and "warning" not in again.out + again.err,
          f"{which} {kind} ({detail}): state not repaired: ran {log_lines(root)}: {again}")
    return f"{which} {kind} {detail}".strip()


def chown_tree(root: Path, uid: int) -> None:
    root.parent.chmod(0o755)  # mkdtemp makes the scratch directory private to root
    for directory, names, files in os.walk(root):
        os.chown(directory, uid, uid)
        for name in names + files:
            os.lchown(os.path.join(directory, name), uid, uid)


def can_mount() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


def trial_read_only(rng: random.Random, scratch: Path, tasks: int) -> str:
    """A read-only .stask (bind mount remounted read-only): a clear error before any task runs."""
    if not can_mount():
        return "skipped (mount not permitted)"
    graph = Graph(rng, min(tasks, 30), 6)
    root = scratch / "project"
    root.mkdir()
    graph.write(root, rng)
    fresh = rng.random() < 0.5
    if not fresh:
        check(stask(root).status == 0, "first build failed")
        edit_sources(root, graph, rng, 2)
    (root / ".stask").mkdir(exist_ok=True)
    (root / "log.txt").unlink(missing_ok=True)
    state = root / ".stask"
    script = (f"mount --bind {state} {state} && mount -o remount,ro,bind {state} && "
              f"exec {BINARY} build --progress=plain")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=root, capture_output=True)
    result = Result(done.returncode, done.stdout.decode(), done.stderr.decode(), 0)
    check(result.status == 1, f"read-only .stask must fail with status 1: {result}")
    check("cannot write build state" in result.err and str(state) in result.err, f"unclear error: {result}")
    check(not log_lines(root), f"tasks ran before the error: {log_lines(root)}")
    again = stask(root)
    check(again.status == 0 and "warning" not in again.out + again.err, f"state damaged afterwards: {again}")
    return "fresh" if fresh else "after a build"


# MARK: - Scenario: concurrent builds


def trial_lock(rng: random.Random, scratch: Path, tasks: int) -> str:
    graph = Graph(rng, tasks, max(8, tasks // 6))
    root = scratch / "project"
    root.mkdir()
    graph.write(root, rng)
    count = rng.randint(2, 4)
    processes = [start_stask(root)]
    for _ in range(count - 1):
        time.sleep(rng.random() * 0.2)
        processes.append(start_stask(root))
    results = [finish(process) for process in processes]
    for result in results:
        check(result.status == 0, f"a concurrent build failed: {result}")
        check(not unexpected_warnings(result) or all("waiting for another stask" in w
                                                    for w in unexpected_warnings(result)),
              f"unexpected warnings: {result}")
    ran = log_lines(root)
    check(sorted(ran) == sorted(graph.names), "each task must run exactly once across the concurrent builds: "
          f"{len(ran)} runs for {len(graph.names)} tasks")
    waited = sum("waiting for another stask" in r.out + r.err for r in results)
    (root / "log.txt").unlink()
    again = stask(root)
    check(again.status == 0 and not log_lines(root) and "warning" not in again.out + again.err,
          f"state after concurrent builds: {again}")
    check(outputs(root) == clean_reference(root, scratch), "outputs differ from a clean build")
    return f"{count} builds, {waited} waited"


# MARK: - Scenario: interrupts


INTERRUPT_TASKFILE = """\
version: 1
tasks:
{long}
  quick:
    outputs: [quick.txt]
    run:
      - echo quick >> log.txt
      - echo quick > quick.txt
  after:
    deps: [{deps}]
    run: echo after >> log.txt
"""

LONG_TASK = """\
  long{i}:
    outputs: [long{i}.txt]
    cost: {{cpu: 1}}
    run:
      - echo long{i} >> log.txt
      - sh spawn.sh long{i}
      - echo done > long{i}.txt
"""

SPAWN = """\
# $1: task name. While `hold` exists: start two grandchildren (one ignoring SIGTERM), record every pid,
# tell the test through ready/, and wait.
if [ -f hold ]; then
    sleep 300 & echo $! >> pids
    sh -c 'trap "" TERM; while :; do sleep 1; done' & echo $! >> pids
    [ "$1" = long0 ] && trap '' TERM
    echo $$ >> pids
    : > ready/$1
    wait
fi
"""


def trial_interrupt(rng: random.Random, scratch: Path, _: int) -> str:
    long_count = rng.randint(1, 3)
    sig = rng.choice([signal.SIGINT, signal.SIGTERM])
    root = scratch / "project"
    (root / "ready").mkdir(parents=True)
    (root / "Taskfile").write_text(INTERRUPT_TASKFILE.format(
        long="".join(LONG_TASK.format(i=i) for i in range(long_count)),
        deps=", ".join(f"long{i}" for i in range(long_count))))
    (root / "spawn.sh").write_text(SPAWN)
    (root / "hold").write_text("")
    process = start_stask(root, "-j", str(long_count + 1))
    deadline = time.monotonic() + 60
    while len(os.listdir(root / "ready")) < long_count and process.poll() is None:
        check(time.monotonic() < deadline, "long tasks never became ready")
        time.sleep(0.002)
    # The quick task may or may not have finished: both are fine, it is recorded iff it ran to the end.
    pids = [int(line) for line in (root / "pids").read_text().split()]
    sent = time.monotonic()
    process.send_signal(sig)
    result = finish(process, timeout=30)
    expected = 128 + int(sig)
    check(result.status == expected, f"{sig.name}: status {result.status}, expected {expected}: {result}")
    # Processes SIGKILLed as stask exits may take a moment to finish dying: measure until all are gone.
    left = processes_in(root)
    wait_gone(left + pids, timeout=3.5)
    elapsed = time.monotonic() - sent
    check(elapsed < 2.0 + 1.5, f"{sig.name}: took {elapsed:.2f}s, grace period is 2s")
    check(not processes_in(root), f"{sig.name}: processes left in the project: {processes_in(root)}")
    (root / "hold").unlink()
    (root / "log.txt").unlink(missing_ok=True)
    again = stask(root)
    check(again.status == 0, f"rebuild after {sig.name} failed: {again}")
    # `quick` may have finished its commands just before the signal and still have no record (the signal
    # came before it was saved): rerunning it is allowed, skipping a long task is not.
    want = sorted([f"long{i}" for i in range(long_count)] + ["after"])
    got = sorted(name for name in log_lines(root) if name != "quick")
    check(got == want, f"{sig.name}: rerun {sorted(log_lines(root))}, expected {want} (and maybe quick)")
    return f"{sig.name} {long_count} long, {len(pids)} pids, {elapsed:.2f}s"


# MARK: - Scenario: huge output


HUGE_TASKFILE = """\
version: 1
tasks:
  huge:
    run: yes stask | head -c {{SIZE}}
  report:
    deps: [huge]
    run: grep VmHWM /proc/$PPID/status > hwm.txt
"""


def parse_size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def peak_rss(root: Path, size: str) -> tuple[int, Result]:
    (root / "hwm.txt").unlink(missing_ok=True)
    shutil.rmtree(root / ".stask", ignore_errors=True)
    result = stask(root, f"SIZE={size}", timeout=1200)
    check(result.status == 0, f"huge output build failed: {result}")
    match = re.search(r"VmHWM:\s+(\d+) kB", (root / "hwm.txt").read_text())
    check(match is not None, "no VmHWM recorded")
    return int(match.group(1)) * 1024, result


def trial_output(rng: random.Random, scratch: Path, _: int, huge: str = "64M") -> str:
    root = scratch / "project"
    root.mkdir()
    (root / "Taskfile").write_text(HUGE_TASKFILE)
    baseline, _ = peak_rss(root, "1000")
    peak, result = peak_rss(root, huge)
    size = parse_size(huge)
    check(peak < baseline + 32 * (1 << 20),
          f"peak RSS {peak >> 20} MiB for {huge} of output, {baseline >> 20} MiB for 1 kB: not bounded")
    match = re.search(r"output cut to its last (\d+) of (\d+) bytes; all of it is in (\S+)\]", result.out)
    check(match is not None, f"no tail note with the log's path: {result.out[-500:]}")
    log = Path(match.group(3))
    check(int(match.group(2)) == size and log.stat().st_size == size,
          f"log holds {log.stat().st_size} of {size} bytes")
    check(str(log).startswith(str(root / ".stask" / "logs")), f"log not under .stask/logs: {log}")
    with open(log, "rb") as file:
        head = file.read(12)
        file.seek(size - 4096)
        tail = file.read()
    start = (size - 4096) % 6
    check(head == b"stask\nstask\n" and tail == (b"stask\n" * 700)[start:start + 4096], "log content is wrong")
    check(result.out.count("stask\n") > 1000, "the tail is shown")
    return f"{huge}: peak {peak >> 20} MiB (baseline {baseline >> 20} MiB), log complete"


# MARK: - Scenario: resource exhaustion


def trial_nproc(rng: random.Random, scratch: Path, tasks: int) -> str:
    """fork failing: stask as nobody under a low RLIMIT_NPROC; a clear error, state intact."""
    if os.geteuid() == 0 and not shutil.which("setpriv") or not shutil.which("prlimit"):
        return "skipped (needs prlimit, and setpriv when root)"
    graph = Graph(rng, min(tasks, 40), 8)
    root = scratch / "project"
    root.mkdir()
    graph.write(root, rng)
    prefix = []
    if os.geteuid() == 0:
        chown_tree(root, NOBODY)
        prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    first = stask(root, prefix=prefix)
    check(first.status == 0, f"first build failed: {first}")
    changed = edit_sources(root, graph, rng, rng.randint(1, 3))
    (root / "log.txt").unlink(missing_ok=True)
    # RLIMIT_NPROC counts the user's threads too: from about 4 up, stask's own threads fit but its children
    # do not (all of them up to about 9). Below 4 the Swift runtime's libdispatch cannot start its worker
    # threads and waits forever, before any stask code runs: not tried here (see the README).
    limit = rng.randint(5, 9)
    limited = stask(root, prefix=["prlimit", f"--nproc={limit}:{limit}", *prefix], timeout=60)
    text = limited.out + limited.err
    ran_under_limit = set(log_lines(root))
    (root / "log.txt").unlink(missing_ok=True)
    check(limited.status in (0, 1), f"status {limited.status} under --nproc {limit}: {limited}")
    check("fatal" not in text.lower() and "crash" not in text.lower(), f"crash under ulimit: {limited}")
    if limited.status == 1:
        # stask's own spawn fails with EAGAIN, or a command's shell says it cannot fork.
        check("Resource temporarily unavailable" in text or "Cannot fork" in text, f"unclear error: {limited}")
    check("warning: build state" not in text, f"state damaged: {limited}")
    again = stask(root, prefix=prefix)
    check(again.status == 0 and "warning" not in again.out + again.err, f"state after fork failures: {again}")
    check(outputs(root) == clean_reference(root, scratch), "outputs differ from a clean build")
    skipped = graph.dependents(changed) - set(log_lines(root)) - ran_under_limit
    check(not skipped, f"stale targets skipped after fork failures: {sorted(skipped)}")
    return f"--nproc {limit}: status {limited.status}"


def trial_disk_full(rng: random.Random, scratch: Path, tasks: int) -> str:
    """.stask on a small tmpfs filled up: a clear error or warning, the state on disk intact."""
    if not can_mount():
        return "skipped (mount not permitted)"
    graph = Graph(rng, min(tasks, 60), 10)
    root = scratch / "project"
    root.mkdir()
    graph.write(root, rng)
    state = root / ".stask"
    state.mkdir()
    free = rng.choice([0, 0, 512, 2048, 8192])
    changed = set(rng.sample(range(len(graph.sources)), 2))
    edits = " ".join(f"echo edit >> {graph.sources[s]};" for s in changed)
    # Inside a private mount namespace: build once, fill the disk leaving `free` bytes, edit, build again
    # (journal appends and the snapshot fail), then free the space and build a third time.
    script = f"""
        set -u
        mount -t tmpfs -o size=256k tmpfs {state} || exit 99
        {BINARY} build --progress=plain -j 4 > first.out 2>&1; echo $? > first.status
        dd if=/dev/zero of={state}/filler bs=1k 2>/dev/null
        truncate -s -{free} {state}/filler 2>/dev/null
        {edits}
        rm -f log.txt
        {BINARY} build --progress=plain -j 4 > full.out 2>&1; echo $? > full.status
        cp log.txt full.log 2>/dev/null
        rm -f {state}/filler log.txt
        {BINARY} build --progress=plain -j 4 > after.out 2>&1; echo $? > after.status
        cp log.txt after.log 2>/dev/null; rm -f log.txt
        {BINARY} build --progress=plain -j 4 > noop.out 2>&1; echo $? > noop.status
        cp log.txt noop.log 2>/dev/null
    """
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=root, capture_output=True)
    check(done.returncode != 99, "tmpfs mount failed")

    def read(name: str) -> str:
        path = root / name
        return path.read_text() if path.exists() else ""

    check(read("first.status").strip() == "0", f"first build failed: {read('first.out')}")
    full_status = read("full.status").strip()
    full = read("full.out")
    check(full_status in ("0", "1"), f"disk-full build: status {full_status}: {full}")
    if full_status == "1":
        check("No space left on device" in full, f"unclear error when the disk is full: {full}")
    # Status 0 without a warning is fine too: tmpfs allocates whole pages, so appends may still fit in the
    # journal's last page; the checks below prove the state right either way.
    after = read("after.out")
    check(read("after.status").strip() == "0", f"build after freeing space failed: {after}")
    check("build state is corrupt" not in after and "damaged" not in after, f"state damaged: {after}")
    ran = set(read("full.log").split()) | set(read("after.log").split())
    skipped = graph.dependents(changed) - ran
    check(not skipped, f"stale targets skipped after the full disk: {sorted(skipped)}")
    check(read("noop.status").strip() == "0" and not read("noop.log").split(), f"not a no-op: {read('noop.out')}")
    check(outputs(root) == clean_reference(root, scratch), "outputs differ from a clean build")
    return f"{free} bytes free: status {full_status}"


# MARK: - Driver


SCENARIOS = {
    "kill": [
        ("SIGKILL stask mid-build, edit, rebuild", trial_kill),
        ("the same with depfiles, killed also while recording", trial_kill_depfile),
        ("task killed by SIGKILL/SIGSEGV", trial_task_signal),
    ],
    "state": [("damaged state or journal file", trial_state), ("read-only .stask", trial_read_only)],
    "lock": [("2-4 builds at once in one directory", trial_lock)],
    "interrupt": [("SIGINT/SIGTERM, grandchildren", trial_interrupt)],
    "output": [("huge output", trial_output)],
    "exhaustion": [("fork failing (RLIMIT_NPROC)", trial_nproc), ("full disk under .stask", trial_disk_full)],
}

TRIALS = {"output": 1}


def main() -> int:
    global BINARY
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trials", type=int, default=50, help="trials per fault (output: 1 unless given)")
    parser.add_argument("--tasks", type=int, default=300, help="tasks in the generated graphs")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--huge-size", default="1G", help="output size for the huge-output scenario")
    parser.add_argument("--binary", default=str(BINARY))
    parser.add_argument("--keep", action="store_true", help="keep the directory of a failed trial")
    parser.add_argument("--trial", type=int, help="run only this trial (to replay a failure)")
    args = parser.parse_args()
    BINARY = Path(args.binary).resolve()
    if not os.access(BINARY, os.X_OK):
        print(f"faults.py: no stask binary at {BINARY}: run swift build first", file=sys.stderr)
        return 2
    trials_given = "--trials" in sys.argv
    rows = []
    failed = False
    for scenario in args.only.split(","):
        for label, function in SCENARIOS[scenario]:
            trials = args.trials if trials_given or scenario not in TRIALS else TRIALS[scenario]
            if args.trial is not None:
                trials = 1
            passed, notes, start = 0, [], time.monotonic()
            for trial in range(trials) if args.trial is None else [args.trial]:
                rng = random.Random(f"{args.seed}/{scenario}/{function.__name__}/{trial}")
                scratch = Path(tempfile.mkdtemp(prefix="stask-faults-"))
                try:
                    if function is trial_output:
                        note = trial_output(rng, scratch, args.tasks, args.huge_size)
                    else:
                        note = function(rng, scratch, args.tasks)
                    passed += 1
                    notes.append(note)
                    print(f"  ok   {scenario} {function.__name__} trial {trial}: {note}", flush=True)
                    shutil.rmtree(scratch, ignore_errors=True)
                except (Failure, subprocess.TimeoutExpired) as error:
                    failed = True
                    print(f"  FAIL {scenario} {function.__name__} trial {trial} (--seed {args.seed}): {error}",
                          flush=True)
                    if args.keep:
                        print(f"       kept {scratch}")
                    else:
                        shutil.rmtree(scratch, ignore_errors=True)
            skipped = sum("skipped" in note for note in notes)
            rows.append((label, trials, passed - skipped, skipped, trials - passed, time.monotonic() - start))
    print()
    print(f"| Fault | Trials | Passed | Skipped | Failed | Seconds |   (--seed {args.seed})")
    print("|---|---|---|---|---|---|")
    for label, trials, passed, skipped, failures, seconds in rows:
        print(f"| {label} | {trials} | {passed} | {skipped} | {failures} | {seconds:.0f} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
