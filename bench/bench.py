#!/usr/bin/env python3
"""Benchmark stask beside ninja and GNU make on generated, equivalent build descriptions.

Every workload is generated into a fresh directory under bench/work/ (one copy per tool), each
tool builds its own copy, and every run is timed from spawn to exit by this script (no wrapper
process), with the peak RSS taken from wait4() and the bytes read (rchar) taken from
/proc/<pid>/io while the finished tool is still an unreaped zombie (it includes every command
the tool ran and reaped).  See bench/README.md for the columns and the method.

Standard library only.  Run `bench/bench.py --help`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / "work"
DEFAULT_STASK = ".build/release/stask"
JOBS = 2

TOOLS = ("stask", "ninja", "make")
# The wide family (wide, pertask, depfile, depfile-pertask) first, each at every --sizes; then the rest.
WORKLOADS = ("wide", "pertask", "depfile", "depfile-pertask", "deep", "skew", "big", "startup")
DEFAULT_WORKLOADS = ("wide", "deep", "skew", "big")
QUICK_WORKLOADS = DEFAULT_WORKLOADS + ("startup",)
# The wide family: stask's Taskfile shape (one foreach task, or one task per step as a generator
# writes them) and whether every step also writes a depfile naming shared headers.
WIDE_KINDS = {"wide": ("foreach", False), "pertask": ("pertask", False),
              "depfile": ("foreach", True), "depfile-pertask": ("pertask", True)}
# The incremental phases, in the order they run (every one after the full builds).
INCREMENTAL = ("no-op", "touch-one", "edit-one", "edit-header", "add-one")

# skew parameters: a chain of long steps and many short independent steps listed first.
SKEW_CHAIN, SKEW_LONG = 6, 0.5
SKEW_SHORTS, SKEW_SHORT = 40, 0.05
# deep parameters: the chain length, and the step whose source touch-one/edit-one change.
DEEP_STEPS, DEEP_CHANGED = 2000, 1901
# big parameters: 100 files of 10 MiB.
BIG_FILES, BIG_FILE_BYTES = 100, 10 * 1024 * 1024
# depfile parameters: HEADERS shared headers hdr/hNN.h; step i's depfile lists hdr/h(i*f % HEADERS).h
# for each factor f; edit-header appends to hdr/h(EDITED_HEADER).h.
HEADERS, HEADER_FACTORS, EDITED_HEADER = 20, (1, 7, 13), 7
# startup: runs per figure unless --runs is given (a run takes 1-3 ms, so medians need many), and the
# phases: `TOOL --version`, then a no-op of the one-step project with Tool.argv().
STARTUP_RUNS = 200
STARTUP_PHASES = ("version", "no-op")


def log(message: str) -> None:
    """Progress goes to stderr so that stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Running one build and measuring it


@dataclass
class RunResult:
    """One measured run of a tool."""

    wall: float
    status: int
    maxrss_kb: int
    rchar: int | None
    output: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 0 and not self.timed_out


def read_proc_io(pid: int) -> dict[str, int]:
    """The /proc/<pid>/io counters of a process (a zombie's include its reaped children)."""
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/io") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                fields[key.strip()] = int(value)
    except (OSError, ValueError):
        pass
    return fields


SPAWNSTAT: list[str] = []  # the compiled helper, when a C compiler is available
FLOOR: list[str] = []  # the compiled spawnfloor (see spawnfloor.c), likewise


def build_helper(name: str) -> str | None:
    """Compiles bench/NAME.c into bench/work/ (once); None when no C compiler is available."""
    source = BENCH_DIR / f"{name}.c"
    binary = WORK_DIR / f".{name}"
    if binary.exists() and binary.stat().st_mtime >= source.stat().st_mtime:
        return str(binary)
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        return None
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([compiler, "-O2", "-o", str(binary), str(source)], capture_output=True, text=True)
    if result.returncode != 0:
        log(f"bench: compiling {name}.c failed: {result.stderr.strip()[:300]}")
        return None
    return str(binary)


def run_measured(argv: list[str], cwd: Path, timeout: float) -> RunResult:
    """Runs argv in cwd, output to a file, and measures wall time, peak RSS and rchar.

    With the spawnstat helper (see spawnstat.c) the helper times the command from just before its
    spawn to its exit and reads its rusage and /proc/PID/io. Without it, this process does the
    same, but the peak RSS then cannot go below this Python process's own (see spawnstat.c).
    """
    out_path = cwd / ".bench-output.log"
    stat_path = cwd / ".bench-stat.txt"
    if stat_path.exists():
        stat_path.unlink()
    spawned = ([SPAWNSTAT[0], str(stat_path)] + argv) if SPAWNSTAT else argv
    timed_out = threading.Event()
    with open(out_path, "wb") as out:
        # posix_spawn rather than fork; setsid so that a timeout can kill the whole group.
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_DUP2, out.fileno(), 1), (os.POSIX_SPAWN_DUP2, out.fileno(), 2)]
        previous = os.getcwd()
        os.chdir(cwd)
        start = time.perf_counter()
        try:
            pid = os.posix_spawnp(spawned[0], spawned, os.environ, file_actions=actions, setsid=True)
        except OSError as error:
            return RunResult(0.0, 127, 0, None, f"cannot start {spawned[0]}: {error}")
        finally:
            os.chdir(previous)

        def kill_group() -> None:
            timed_out.set()
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass

        timer = threading.Timer(timeout, kill_group)
        timer.start()
        try:
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
            wall = time.perf_counter() - start
            io = read_proc_io(pid)
            _, status, usage = os.wait4(pid, 0)
        except KeyboardInterrupt:
            kill_group()
            raise
        finally:
            timer.cancel()
    output = out_path.read_text(errors="replace")
    out_path.unlink()
    code = os.waitstatus_to_exitcode(status)
    if not SPAWNSTAT:
        return RunResult(wall, code, usage.ru_maxrss, io.get("rchar"), output, timed_out.is_set())
    try:
        wall_ns, rss_kb, rchar, code = (int(v) for v in stat_path.read_text().split())
        stat_path.unlink()
    except (OSError, ValueError):
        return RunResult(wall, code if code else 125, 0, None, output + "\n(spawnstat wrote no result)",
                         timed_out.is_set())
    return RunResult(wall_ns / 1e9, code, rss_kb, rchar if rchar >= 0 else None, output, timed_out.is_set())


class SpawnTimeout(Exception):
    """Raised by the SIGALRM handler that time_spawn installs, to interrupt its wait4."""


def raise_spawn_timeout(signum: int, frame: object) -> None:
    raise SpawnTimeout()


@dataclass
class SpawnTime:
    """One run timed by time_spawn: wall time, the child's user+system CPU time, its exit status."""

    wall_ns: int
    cpu_s: float
    status: int
    timed_out: bool = False


def time_spawn(argv: list[str], cwd: Path, env: dict[str, str], null_fd: int, timeout: float) -> SpawnTime:
    """Runs argv (an absolute path first) in cwd with stdin, stdout and stderr on null_fd, and times it.

    For the start-up workload, whose runs take 1-3 ms: no helper process, no output file, no timer
    thread, no /proc read. The clock (perf_counter_ns) starts just before os.posix_spawn and stops
    just after os.wait4 has reaped the child. The figure therefore includes the tool's whole life
    (exec, dynamic loading, its work, exit) plus a fixed cost that is not the tool's: Python
    converting argv and env for posix_spawn (tens of microseconds), glibc's clone(CLONE_VFORK) and
    exec, and this process waking from wait4 (`true`, timed the same way, shows that fixed cost).
    It excludes the chdir into cwd and the arming of the timeout (setitimer), done before the clock
    starts. The CPU time is the child's ru_utime + ru_stime from wait4 (its reaped children
    included), which costs nothing extra. SIGALRM's handler must be raise_spawn_timeout.
    """
    actions = [(os.POSIX_SPAWN_DUP2, null_fd, 0), (os.POSIX_SPAWN_DUP2, null_fd, 1),
               (os.POSIX_SPAWN_DUP2, null_fd, 2)]
    previous = os.getcwd()
    os.chdir(cwd)
    pid = None
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        start = time.perf_counter_ns()
        # setsid, as run_measured does, so that a timeout can kill the whole group.
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions, setsid=True)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter_ns() - start
    except SpawnTimeout:
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.wait4(pid, 0)
            except ChildProcessError:  # the alarm came just after wait4 had reaped it
                pass
        return SpawnTime(0, 0.0, 137, timed_out=True)
    except OSError:
        return SpawnTime(0, 0.0, 127)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        os.chdir(previous)
    return SpawnTime(wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status))


# ---------------------------------------------------------------------------------------------
# Counting what ran: outputs whose (inode, mtime, ctime) changed, the same for every tool


def snapshot(roots: list[Path], ignore: tuple[str, ...] = ()) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime_ns, ctime_ns) of each file under the given directories or of the files.

    Files in the directories whose names end with one of `ignore` (the depfiles) are not outputs.
    """
    result: dict[str, tuple[int, int, int]] = {}
    for root in roots:
        if root.is_dir():
            with os.scandir(root) as entries:
                for entry in entries:
                    if ignore and entry.name.endswith(ignore):
                        continue
                    info = entry.stat(follow_symlinks=False)
                    result[entry.path] = (info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
        elif root.exists():
            info = root.stat()
            result[str(root)] = (info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
    return result


def rewritten(before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]) -> set[str]:
    """The paths that are new or whose (inode, mtime, ctime) changed."""
    return {path for path, key in after.items() if before.get(path) != key}


# ---------------------------------------------------------------------------------------------
# Tools


@dataclass
class Tool:
    """One build tool: its binary, how to invoke it, and its state files (deleted for a full build)."""

    name: str
    path: str | None
    version: str
    error: str | None = None
    state: tuple[str, ...] = ()

    def argv(self) -> list[str]:
        assert self.path is not None
        if self.name == "stask":
            return [self.path, "build", "-j", str(JOBS)]
        if self.name == "floor":
            return [self.path, str(JOBS), "commands.list"]
        return [self.path, "-j", str(JOBS)]  # ninja and make

    def reported_ran(self, output: str) -> int | None:
        """The number of commands the tool says it ran, parsed from its output (a cross-check)."""
        if self.name == "floor":
            return None
        if self.name == "ninja":
            return len(re.findall(r"^\[\d+/\d+\] ", output, re.M))
        if self.name == "make":
            return len(re.findall(r"^(?:cp|cat|xargs|sleep|wc) ", output, re.M))
        for pattern in (r"\bbuilt[:=\s]+(\d+)", r"(\d+)\s+built\b"):
            match = re.search(pattern, output, re.I)
            if match:
                return int(match.group(1))
        return None


def is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def find_ninja(explicit: str | None) -> Tool:
    """ninja from --ninja, else the pip package's real binary, else PATH; pip-installs it if missing.

    pyenv puts a bash shim on PATH that costs ~20 ms a call, so the binary inside the Python
    installation is preferred to whatever `ninja` on PATH is.
    """
    def from_pip() -> str | None:
        code = "import ninja, os; print(os.path.join(ninja.BIN_DIR, 'ninja'))"
        probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        candidate = probe.stdout.strip()
        return candidate if probe.returncode == 0 and is_elf(candidate) else None

    path = explicit
    if path is None:
        path = from_pip()
    if path is None:
        on_path = shutil.which("ninja")
        if on_path and is_elf(os.path.realpath(on_path)):
            path = on_path
    if path is None:
        log("bench: ninja not found; installing it with `pip install ninja`")
        install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "ninja"])
        if install.returncode == 0:
            path = from_pip()
        if path is None:
            path = shutil.which("ninja")
    if path is None:
        return Tool("ninja", None, "-", "ninja not found and `pip install ninja` failed")
    if not is_elf(os.path.realpath(path)):
        log(f"bench: warning: {path} is a wrapper script, its start-up time is included")
    version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout.strip()
    short = re.match(r"\d+(?:\.\d+)*", version)
    return Tool("ninja", path, short.group(0) if short else version, state=(".ninja_log", ".ninja_deps"))


def find_make(explicit: str | None) -> Tool:
    path = explicit or shutil.which("make")
    if path is None:
        return Tool("make", None, "-", "make not found")
    first = subprocess.run([path, "--version"], capture_output=True, text=True).stdout.splitlines()
    version = first[0].replace("GNU Make ", "") if first else "?"
    return Tool("make", path, version)


def find_stask(path_arg: str, build: bool) -> Tool:
    """The stask binary; the default path is built as `scripts/example` builds it when missing."""
    path = Path(path_arg)
    if not path.is_absolute():
        path = REPO_DIR / path
    if not path.exists() and build and path_arg == DEFAULT_STASK:
        log("bench: building stask: swift build -c release --product stask --static-swift-stdlib (a few minutes)")
        result = subprocess.run(["swift", "build", "-c", "release", "--product", "stask", "--static-swift-stdlib"],
                                cwd=REPO_DIR,
                                capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
            log("bench: building stask failed:\n  " + "\n  ".join(tail))
            return Tool("stask", None, "-", "build failed", state=(".stask",))
    if not path.exists():
        return Tool("stask", None, "-", f"{path} not found", state=(".stask",))
    commit = subprocess.run(["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    version = subprocess.run([str(path), "--version"], capture_output=True, text=True)
    first = version.stdout.strip().splitlines()[0] if version.returncode == 0 and version.stdout.strip() else ""
    reported = re.search(r"\d+\.\d+[\w.+-]*", first)
    built_here = path_arg == DEFAULT_STASK and commit
    label = " ".join(x for x in (reported.group(0) if reported else "", f"git {commit}" if built_here else "") if x)
    return Tool("stask", str(path), label, state=(".stask",))


# ---------------------------------------------------------------------------------------------
# Workload generation: one directory per tool, with a Taskfile, a build.ninja and a Makefile


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


@dataclass
class Workload:
    """A generated workload: its directories, what counts as output, and how to check a build."""

    name: str
    dirs: dict[str, Path]
    outputs: list[str]  # relative paths (directories or files) removed by `clean`
    steps: int
    meta: dict[str, object] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()  # suffixes of files in the output directories that are not outputs

    def clean(self, tool: Tool, keep_state: bool = False) -> None:
        root = self.dirs[tool.name]
        names = list(self.outputs) + ([] if keep_state else list(tool.state))
        for name in names:
            target = root / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()

    def watched(self, tool: Tool) -> list[Path]:
        return [self.dirs[tool.name] / name for name in self.outputs]


MAKE_PRELUDE = "MAKEFLAGS += -r\n.SUFFIXES:\n.DEFAULT_GOAL := all\n\nout:\n\tmkdir -p out\n\n"


def wide_command(item: str, output: str, stem: str, depfile: bool, dollar: str = "$") -> str:
    """The command of one step of the wide family, written with the tool's own placeholders.

    With a depfile, the step also writes out/STEM.d in Makefile syntax: its output, its source and
    the HEADER_FACTORS headers it "includes", chosen from the step's number by the shell itself
    (`1${s#f}` turns f000123 into 1000123, without the leading zeros that would make it octal), so
    that a foreach task and a pattern rule run the very same command as ninja's per-edge one.
    `dollar` is how the tool writes a literal `$` (`$$` in ninja and make).
    """
    if not depfile:
        return f"cp {item} {output}"
    d = dollar
    picks = " ".join(f"{d}((i{f' * {f}' if f != 1 else ''} % {HEADERS}))" for f in HEADER_FACTORS)
    formats = " hdr/h%02d.h" * len(HEADER_FACTORS)
    return (f"cp {item} {output} && s={stem} && i={d}((1{d}{{s#f}} % 1000000)) && "
            f"printf 'out/%s.txt: src/%s.txt{formats}\\n' \"{d}s\" \"{d}s\" {picks} > \"out/{d}s.d\"")


def headers_of(name: str) -> list[int]:
    """The headers that step `name` (fNNNNNN) lists in its depfile, as the shell computes them."""
    i = int(name[1:])
    return [i * f % HEADERS for f in HEADER_FACTORS]


def wide_taskfile(names: list[str], shape: str, depfile: bool) -> str:
    """stask's Taskfile: one `foreach: src/*.txt` task, or one task per step (cNNNNNN), and the aggregate."""
    lines = ["version: 1\n", "tasks:\n"]
    if shape == "foreach":
        lines.append("  copy:\n"
                     "    foreach: src/*.txt\n"
                     "    inputs: [\"{{item}}\"]\n"
                     "    outputs: [\"out/{{stem}}.txt\"]\n")
        if depfile:
            lines.append("    depfile: \"out/{{stem}}.d\"\n")
        lines.append(f"    run: {json.dumps(wide_command('{{item}}', '{{output}}', '{{stem}}', depfile))}\n")
    else:
        for n in names:
            lines.append(f"  c{n[1:]}:\n    inputs: [src/{n}.txt]\n    outputs: [out/{n}.txt]\n")
            if depfile:
                lines.append(f"    depfile: out/{n}.d\n")
            lines.append(f"    run: {json.dumps(wide_command(f'src/{n}.txt', f'out/{n}.txt', n, depfile))}\n")
    lines.append("  all:\n"
                 "    inputs: [outs.list, \"out/*.txt\"]\n"
                 "    outputs: [all.txt]\n"
                 "    run: \"xargs cat < outs.list > all.txt\"\n")
    return "".join(lines)


def wide_ninja(names: list[str], depfile: bool) -> str:
    """build.ninja: one edge per step (a depfile step binds its stem), and the aggregate."""
    if depfile:
        lines = [f"rule cp\n  command = {wide_command('$in', '$out', '$stem', True, '$$')}\n"
                 "  depfile = out/$stem.d\n  deps = gcc\n"]
        lines += [f"build out/{n}.txt: cp src/{n}.txt\n  stem = {n}\n" for n in names]
    else:
        lines = ["rule cp\n  command = cp $in $out\n"]
        lines += [f"build out/{n}.txt: cp src/{n}.txt\n" for n in names]
    lines.insert(1, "rule agg\n  command = xargs cat < outs.list > all.txt\n")
    lines.append("build all.txt: agg outs.list " + " ".join(f"out/{n}.txt" for n in names) + "\n")
    lines.append("default all.txt\n")
    return "".join(lines)


def wide_makefile(depfile: bool) -> str:
    """The Makefile: a pattern rule over $(wildcard src/*.txt) (and the depfiles included), the aggregate."""
    return (
        MAKE_PRELUDE
        + "OUTS := $(patsubst src/%,out/%,$(wildcard src/*.txt))\n\n"
        "all: all.txt\n.PHONY: all\n\n"
        "all.txt: outs.list $(OUTS)\n\txargs cat < outs.list > all.txt\n\n"
        f"out/%.txt: src/%.txt | out\n\t{wide_command('$<', '$@', '$*', depfile, '$$')}\n"
        + ("\n-include $(wildcard out/*.d)\n" if depfile else ""))


def gen_wide(size: int, tools: list[Tool], kind: str = "wide") -> Workload:
    """N sources src/fNNNNNN.txt, one step each into out/, and one aggregate over all outputs.

    kind: `wide` (stask: one foreach task), `pertask` (stask: one task per step), `depfile` and
    `depfile-pertask` (the same, every step also writing a depfile that names 3 of HEADERS headers).
    """
    shape, depfile = WIDE_KINDS[kind]
    assert size < 1_000_000, "names are fNNNNNN"
    base = fresh_dir(WORK_DIR / f"{kind}-{size}")
    names = [f"f{i:06d}" for i in range(size)]
    taskfile = wide_taskfile(names, shape, depfile)
    ninja = wide_ninja(names, depfile)
    makefile = wide_makefile(depfile)
    # The floor (spawnfloor.c) runs the same commands from a plain list: out/ first, then every cp, then
    # the aggregate once they are all done.
    commands = "!mkdir -p out\n" + "".join(f"cp src/{n}.txt out/{n}.txt\n" for n in names) \
        + "!xargs cat < outs.list > all.txt\n"
    dirs = {}
    for tool in tools + ([floor_tool()] if FLOOR and kind == "wide" else []):
        root = fresh_dir(base / tool.name)
        (root / "src").mkdir()
        for n in names:
            (root / "src" / f"{n}.txt").write_text(f"{n}\n")
        if depfile:
            for h in range(HEADERS):
                write(root / "hdr" / f"h{h:02d}.h", f"h{h:02d}\n")
        write(root / "outs.list", "".join(f"out/{n}.txt\n" for n in names))
        write(root / "Taskfile", taskfile)
        write(root / "build.ninja", ninja)
        write(root / "Makefile", makefile)
        if kind == "wide":
            write(root / "commands.list", commands)
        dirs[tool.name] = root
    meta: dict[str, object] = {"names": names, "shape": shape, "depfile": depfile}
    if depfile:
        meta["header"] = f"hdr/h{EDITED_HEADER:02d}.h"
        meta["header_steps"] = [n for n in names if EDITED_HEADER in headers_of(n)]
    return Workload(kind, dirs, ["out", "all.txt"], size + 1, meta, (".d",) if depfile else ())


def append_line(path: Path, text: str) -> None:
    with open(path, "a") as handle:
        handle.write(text + "\n")


def floor_tool() -> Tool:
    """The floor as a pseudo-tool: only its full build of `wide` is measured (it keeps no state)."""
    return Tool("floor", FLOOR[0] if FLOOR else None, "posix_spawn of the same commands, nothing else",
                None if FLOOR else "no C compiler")


def check_wide(work: Workload, tool: Tool, marker: str | None = None, changed_name: str | None = None) -> str | None:
    """None when the outputs are right; else what is wrong."""
    root = work.dirs[tool.name]
    names: list[str] = work.meta["names"]  # type: ignore[assignment]
    out = root / "out"
    present = sum(1 for n in os.listdir(out) if n.endswith(".txt")) if out.is_dir() else 0
    if present != len(names):
        return f"{present} of {len(names)} outputs present"
    total = root / "all.txt"
    if not total.exists():
        return "all.txt missing"
    expected = sum((root / "src" / f"{n}.txt").stat().st_size for n in names)
    if total.stat().st_size != expected:
        return f"all.txt has {total.stat().st_size} bytes, expected {expected}"
    if marker is not None and changed_name is not None:
        if (out / f"{changed_name}.txt").read_text() != (root / "src" / f"{changed_name}.txt").read_text():
            return f"out/{changed_name}.txt not rebuilt"
        if marker not in total.read_text():
            return "all.txt not rebuilt"
    return None


def gen_deep(tools: list[Tool]) -> Workload:
    """A chain: out/c0001 = cat src/d0001; out/cK = cat out/c(K-1) src/dK, 2,000 steps."""
    base = fresh_dir(WORK_DIR / "deep")
    steps = []
    for k in range(1, DEEP_STEPS + 1):
        inputs = [f"src/d{k:04d}.txt"] if k == 1 else [f"out/c{k - 1:04d}.txt", f"src/d{k:04d}.txt"]
        steps.append((f"c{k:04d}", inputs, f"out/c{k:04d}.txt"))
    task_lines = ["version: 1\n", "tasks:\n"]
    for name, inputs, output in steps:
        quoted = ", ".join(inputs)
        task_lines.append(f"  {name}:\n    inputs: [{quoted}]\n    outputs: [{output}]\n"
                          f"    run: \"cat {' '.join(inputs)} > {{{{output}}}}\"\n")
    ninja_lines = ["rule cat\n  command = cat $in > $out\n"]
    ninja_lines += [f"build {output}: cat {' '.join(inputs)}\n" for _, inputs, output in steps]
    ninja_lines.append(f"default {steps[-1][2]}\n")
    make_lines = [MAKE_PRELUDE, f"all: {steps[-1][2]}\n.PHONY: all\n\n"]
    for _, inputs, output in steps:
        order_only = " | out" if len(inputs) == 1 else ""
        make_lines.append(f"{output}: {' '.join(inputs)}{order_only}\n\tcat $^ > $@\n")
    dirs = {}
    for tool in tools:
        root = fresh_dir(base / tool.name)
        (root / "src").mkdir()
        for k in range(1, DEEP_STEPS + 1):
            (root / "src" / f"d{k:04d}.txt").write_text(f"d{k:04d}\n")
        write(root / "Taskfile", "".join(task_lines))
        write(root / "build.ninja", "".join(ninja_lines))
        write(root / "Makefile", "".join(make_lines))
        dirs[tool.name] = root
    return Workload("deep", dirs, ["out"], DEEP_STEPS)


def check_deep(work: Workload, tool: Tool, marker: str | None = None, changed_name: str | None = None) -> str | None:
    root = work.dirs[tool.name]
    last = root / "out" / f"c{DEEP_STEPS:04d}.txt"
    if not last.exists():
        return "last step's output missing"
    expected = "".join((root / "src" / f"d{k:04d}.txt").read_text() for k in range(1, DEEP_STEPS + 1))
    if last.read_text() != expected:
        return "last output has the wrong content"
    return None


def gen_skew(tools: list[Tool]) -> Workload:
    """40 short independent steps listed first, then a chain of 6 long steps."""
    base = fresh_dir(WORK_DIR / "skew")
    steps = []
    for i in range(1, SKEW_SHORTS + 1):
        steps.append((f"s{i:02d}", "src/seed.txt", f"out/s{i:02d}.txt", SKEW_SHORT))
    for k in range(1, SKEW_CHAIN + 1):
        source = "src/seed.txt" if k == 1 else f"out/k{k - 1}.txt"
        steps.append((f"k{k}", source, f"out/k{k}.txt", SKEW_LONG))
    task_lines = ["version: 1\n", "tasks:\n"]
    for name, source, output, seconds in steps:
        task_lines.append(f"  {name}:\n    inputs: [{source}]\n    outputs: [{output}]\n"
                          f"    run: \"sleep {seconds} && cp {source} {output}\"\n")
    ninja_lines = [f"build {output}: run {source}\n  cmd = sleep {seconds} && cp {source} {output}\n"
                   for _, source, output, seconds in steps]
    ninja_lines.insert(0, "rule run\n  command = $cmd\n")
    roots = [output for _, _, output, _ in steps if not output.startswith("out/k")] + [steps[-1][2]]
    ninja_lines.append("default " + " ".join(roots) + "\n")
    make_lines = [MAKE_PRELUDE, "all: " + " ".join(roots) + "\n.PHONY: all\n\n"]
    for _, source, output, seconds in steps:
        make_lines.append(f"{output}: {source} | out\n\tsleep {seconds} && cp {source} {output}\n")
    dirs = {}
    for tool in tools:
        root = fresh_dir(base / tool.name)
        write(root / "src" / "seed.txt", "seed\n")
        write(root / "Taskfile", "".join(task_lines))
        write(root / "build.ninja", "".join(ninja_lines))
        write(root / "Makefile", "".join(make_lines))
        dirs[tool.name] = root
    critical = SKEW_CHAIN * SKEW_LONG
    work = critical + SKEW_SHORTS * SKEW_SHORT
    bound = max(critical, work / JOBS)
    return Workload("skew", dirs, ["out"], len(steps),
                    {"critical_path": critical, "total_work": work, "bound": bound,
                     "outputs": [output for _, _, output, _ in steps]})


def check_skew(work: Workload, tool: Tool, marker: str | None = None, changed_name: str | None = None) -> str | None:
    root = work.dirs[tool.name]
    missing = [o for o in work.meta["outputs"] if not (root / o).exists()]  # type: ignore[union-attr]
    return f"{len(missing)} outputs missing" if missing else None


def big_data() -> Path:
    """100 files of 10 MiB random bytes, generated once under bench/work/big-data and reused."""
    data = WORK_DIR / "big-data"
    names = [f"b{i:03d}.bin" for i in range(BIG_FILES)]
    if all((data / n).exists() and (data / n).stat().st_size == BIG_FILE_BYTES for n in names):
        return data
    log(f"bench: generating {BIG_FILES} x {BIG_FILE_BYTES >> 20} MiB of random input in {data} (once)")
    data.mkdir(parents=True, exist_ok=True)
    for n in names:
        with open(data / n, "wb") as handle:
            for _ in range(BIG_FILE_BYTES // (1 << 20)):
                handle.write(os.urandom(1 << 20))
    return data


def gen_big(tools: list[Tool]) -> Workload:
    """One cheap step per 10 MiB file (`wc -c`, which reads nothing): the cost is the tool's."""
    data = big_data()
    base = fresh_dir(WORK_DIR / "big")
    names = sorted(p.name for p in data.glob("*.bin"))
    taskfile = (
        "version: 1\n"
        "tasks:\n"
        "  size:\n"
        "    foreach: src/*.bin\n"
        "    inputs: [\"{{item}}\"]\n"
        "    outputs: [\"out/{{stem}}.size\"]\n"
        "    run: \"wc -c < {{item}} > {{output}}\"\n")
    ninja_lines = ["rule size\n  command = wc -c < $in > $out\n"]
    ninja_lines += [f"build out/{n[:-4]}.size: size src/{n}\n" for n in names]
    makefile = (MAKE_PRELUDE + "OUTS := $(patsubst src/%.bin,out/%.size,$(wildcard src/*.bin))\n\n"
                "all: $(OUTS)\n.PHONY: all\n\nout/%.size: src/%.bin | out\n\twc -c < $< > $@\n")
    dirs = {}
    for tool in tools:
        root = fresh_dir(base / tool.name)
        (root / "src").mkdir()
        for n in names:
            os.link(data / n, root / "src" / n)  # hard links: real files, no copy, no symlink
        write(root / "Taskfile", taskfile)
        write(root / "build.ninja", "".join(ninja_lines))
        write(root / "Makefile", makefile)
        dirs[tool.name] = root
    return Workload("big", dirs, ["out"], len(names), {"names": names, "data": str(data)})


def check_big(work: Workload, tool: Tool, marker: str | None = None, changed_name: str | None = None) -> str | None:
    out = work.dirs[tool.name] / "out"
    names: list[str] = work.meta["names"]  # type: ignore[assignment]
    for n in names:
        target = out / f"{n[:-4]}.size"
        if not target.exists() or target.read_text().strip() != str(BIG_FILE_BYTES):
            return f"out/{n[:-4]}.size missing or wrong"
    return None


def gen_startup(tools: list[Tool]) -> Workload:
    """One step, `cp a.txt b.txt`: what is left of a no-op is the tool's start-up."""
    base = fresh_dir(WORK_DIR / "startup")
    taskfile = ("version: 1\n"
                "tasks:\n"
                "  copy:\n"
                "    inputs: [a.txt]\n"
                "    outputs: [b.txt]\n"
                "    run: cp a.txt b.txt\n")
    ninja = "rule cp\n  command = cp $in $out\n\nbuild b.txt: cp a.txt\n"
    makefile = "MAKEFLAGS += -r\n.SUFFIXES:\n\nb.txt: a.txt\n\tcp a.txt b.txt\n"
    dirs = {}
    for tool in tools:
        root = fresh_dir(base / tool.name)
        write(root / "a.txt", "a\n")
        write(root / "Taskfile", taskfile)
        write(root / "build.ninja", ninja)
        write(root / "Makefile", makefile)
        dirs[tool.name] = root
    return Workload("startup", dirs, ["b.txt"], 1)


def check_startup(work: Workload, tool: Tool, marker: str | None = None, changed_name: str | None = None) -> str | None:
    root = work.dirs[tool.name]
    target = root / "b.txt"
    if not target.exists() or target.read_text() != (root / "a.txt").read_text():
        return "b.txt missing or wrong"
    return None


CHECKS = {**{kind: check_wide for kind in WIDE_KINDS}, "deep": check_deep, "skew": check_skew, "big": check_big,
          "startup": check_startup}


# ---------------------------------------------------------------------------------------------
# Phases


@dataclass
class Cell:
    """The runs of one tool in one phase of one workload."""

    walls: list[float] = field(default_factory=list)
    ran: list[int] = field(default_factory=list)
    reported: list[int | None] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    rchar: list[int | None] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user+system CPU seconds (startup only)
    error: str | None = None

    def median(self) -> float | None:
        return statistics.median(self.walls) if self.walls and self.error is None else None

    def median_cpu(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu and self.error is None else None

    def as_json(self) -> dict[str, object]:
        result: dict[str, object] = {
            "median_s": self.median(), "runs_s": self.walls, "ran": self.ran, "reported_ran": self.reported,
            "max_rss_kb": self.rss_kb, "rchar": self.rchar, "error": self.error}
        if self.cpu:
            result["median_cpu_s"] = self.median_cpu()
            result["cpu_s"] = self.cpu
        return result


class Bench:
    def __init__(self, args: argparse.Namespace, tools: list[Tool]) -> None:
        self.args = args
        self.tools = tools
        self.results: dict[str, dict[str, object]] = {}

    def usable(self) -> list[Tool]:
        return [t for t in self.tools if t.path is not None]

    def timeout(self, steps: int) -> float:
        return self.args.timeout if self.args.timeout else 120.0 + 0.05 * steps

    def measure(self, work: Workload, tool: Tool, cell: Cell, prepare=None, check=None, count=True,
                require: set[str] | None = None) -> None:
        """One run of tool on work: prepare, snapshot, run, count changed outputs, check.

        require: outputs (relative paths) that the run must rewrite; one left alone is a wrong result.
        """
        if cell.error is not None:
            return
        root = work.dirs[tool.name]
        if prepare is not None:
            prepare()
        before = snapshot(work.watched(tool), work.ignore) if count else {}
        time.sleep(0.01)  # let the coarse file clock (4 ms) advance past the last write
        result = run_measured(tool.argv(), root, self.timeout(work.steps))
        if result.timed_out:
            cell.error = f"timed out after {self.timeout(work.steps):.0f} s"
        elif result.status != 0:
            tail = " | ".join(result.output.strip().splitlines()[-3:])[:300]
            cell.error = f"exit {result.status}: {tail}"
        else:
            problem = check() if check is not None else None
            changes = rewritten(before, snapshot(work.watched(tool), work.ignore)) if count else set()
            missing = sorted(r for r in require or () if str(root / r) not in changes)
            if problem is None and missing:
                problem = f"{len(missing)} of {len(require or ())} outputs that had to be rebuilt were not " \
                          f"(e.g. {missing[0]})"
            if problem is not None:
                tail = " | ".join(result.output.strip().splitlines()[-2:])[:200]
                cell.error = f"wrong result: {problem}" + (f" (output: {tail})" if tail else "")
        if cell.error is not None:
            log(f"bench:   {tool.name}: {cell.error}")
            return
        cell.walls.append(result.wall)
        cell.rss_kb.append(result.maxrss_kb)
        cell.rchar.append(result.rchar)
        cell.reported.append(tool.reported_ran(result.output))
        if count:
            cell.ran.append(len(changes))

    def full_runs(self, steps: int) -> int:
        """Runs of a full build: 1 with --edit-loop, else --full-runs, else --runs (at most 3 above 50,000)."""
        if self.args.edit_loop:
            return 1
        return self.args.full_runs or (min(self.args.runs, 3) if steps > 50_000 else self.args.runs)

    def incremental(self, work: Workload, label: str, cells: dict[str, dict[str, Cell]],
                    runs: int, full_runs: int, changed_source: str, phases: tuple[str, ...]) -> None:
        """full, then the incremental phases (no-op, touch-one, edit-one, edit-header, add-one, as far
        as `phases` has them), the tools interleaved run by run."""
        check = CHECKS[work.name]
        tools = self.usable()
        for phase in phases:
            for tool in tools:
                cells[tool.name][phase] = Cell()
        floor = floor_tool() if "floor" in work.dirs else None
        if floor is not None:
            cells["floor"] = {"full": Cell()}
        for rep in range(full_runs):
            log(f"bench: {label}: full build {rep + 1}/{full_runs}")
            for tool in tools + ([floor] if floor else []):
                self.measure(work, tool, cells[tool.name]["full"],
                             prepare=lambda t=tool: work.clean(t), check=lambda t=tool: check(work, t))
        for tool in tools:  # the last full build may have failed: leave a good state or give up
            if cells[tool.name]["full"].error is not None:
                for phase in phases[1:]:
                    cells[tool.name][phase].error = "skipped: full build failed"
            else:  # warm-up no-op, not measured
                run_measured(tool.argv(), work.dirs[tool.name], self.timeout(work.steps))
        log(f"bench: {label}: " + ", ".join(f"{p} x{runs}" for p in phases[1:]))
        for rep in range(runs):
            for tool in tools:
                self.measure(work, tool, cells[tool.name]["no-op"])
        for rep in range(runs):
            for tool in tools:
                path = work.dirs[tool.name] / changed_source
                self.measure(work, tool, cells[tool.name]["touch-one"], prepare=lambda p=path: os.utime(p))
        for rep in range(runs):
            for tool in tools:
                path = work.dirs[tool.name] / changed_source
                marker = f"edit{rep}"
                name = Path(changed_source).stem
                self.measure(work, tool, cells[tool.name]["edit-one"],
                             prepare=lambda p=path, m=marker: append_line(p, m),
                             check=lambda t=tool, m=marker, n=name: check(work, t, m, n))
        if "edit-header" in phases:
            # Every step whose depfile lists the header must rerun; the headers are declared nowhere.
            header = str(work.meta["header"])
            require = {f"out/{n}.txt" for n in work.meta["header_steps"]}  # type: ignore[union-attr]
            for rep in range(runs):
                for tool in tools:
                    path = work.dirs[tool.name] / header
                    self.measure(work, tool, cells[tool.name]["edit-header"],
                                 prepare=lambda p=path, m=f"header edit {rep}": append_line(p, m),
                                 check=lambda t=tool: check(work, t), require=require)
        if "add-one" in phases:
            self.add_one(work, cells, runs, check)

    def add_one(self, work: Workload, cells: dict[str, dict[str, Cell]], runs: int, check) -> None:
        """A new source matching the foreach glob, then a build; the added sources accumulate, run by
        run, the same for every tool. Its output path is appended to outs.list (which the aggregate
        reads). ninja cannot glob: its build.ninja is regenerated with the new edge before its run, as a
        generator would, and so is stask's Taskfile in the pertask shape; that regeneration is not timed."""
        names: list[str] = work.meta["names"]  # type: ignore[assignment]
        shape, depfile = str(work.meta["shape"]), bool(work.meta["depfile"])
        added: list[str] = work.meta.setdefault("added", [])  # type: ignore[assignment]
        tools = self.usable()
        for rep in range(runs):
            name = f"f{len(names):06d}"  # sorts after every other source
            names.append(name)
            added.append(f"src/{name}.txt")
            ninja = wide_ninja(names, depfile)
            taskfile = wide_taskfile(names, shape, depfile) if shape == "pertask" else None
            for tool in tools:
                root = work.dirs[tool.name]

                def add(root: Path = root, tool_name: str = tool.name, name: str = name) -> None:
                    write(root / "src" / f"{name}.txt", f"{name}\n")
                    append_line(root / "outs.list", f"out/{name}.txt")
                    if tool_name == "ninja":
                        write(root / "build.ninja", ninja)
                    if tool_name == "stask" and taskfile is not None:
                        write(root / "Taskfile", taskfile)

                self.measure(work, tool, cells[tool.name]["add-one"], prepare=add,
                             check=lambda t=tool, n=name: check(work, t, n, n))

    def run_wide(self, size: int, deep: bool = False, kind: str = "wide") -> None:
        label = "deep" if deep else f"{kind} {size:,}"
        log(f"bench: {label}: generating")
        work = gen_deep(self.usable()) if deep else gen_wide(size, self.usable(), kind)
        cells: dict[str, dict[str, Cell]] = {t.name: {} for t in self.tools}
        source = f"src/d{DEEP_CHANGED:04d}.txt" if deep else f"src/f{size // 2:06d}.txt"
        depfile = bool(work.meta.get("depfile"))
        phases = ("full", "no-op", "touch-one", "edit-one") + (("edit-header",) if depfile else ()) \
            + (() if deep else ("add-one",))
        # What each phase has to run: touch-one nothing (content hashes) or as much as edit-one (mtimes);
        # edit-header the steps that list the header, and the aggregate unless their outputs came out
        # byte-identical and the tool cuts off there.
        downstream = DEEP_STEPS - DEEP_CHANGED + 1 if deep else 2
        expected = {"no-op": [0, 0], "touch-one": [0, downstream], "edit-one": [downstream, downstream],
                    "add-one": [2, 2]}
        if depfile:
            listing = len(work.meta["header_steps"])  # type: ignore[arg-type]
            expected["edit-header"] = [listing, listing + 1]
        self.incremental(work, label, cells, self.args.runs, self.full_runs(work.steps), source, phases)
        key = "deep" if deep else f"{kind}-{size}"
        self.results[key] = {"steps": work.steps, "changed_source": source, "phases": list(phases),
                             "expected_ran": {p: expected[p] for p in phases if p in expected},
                             "tools": {t: {p: c.as_json() for p, c in ph.items()} for t, ph in cells.items()}}
        if "added" in work.meta:
            self.results[key]["added"] = work.meta["added"]
        if depfile:
            self.results[key]["edited_header"] = work.meta["header"]
            self.results[key]["header_steps"] = len(work.meta["header_steps"])  # type: ignore[arg-type]
        print(self.table_incremental(label, key, work, source, cells), flush=True)

    def run_skew(self) -> None:
        log("bench: skew: generating")
        work = gen_skew(self.usable())
        cells: dict[str, dict[str, Cell]] = {t.name: {"first": Cell(), "second": Cell()} for t in self.tools}
        for rep in range(self.args.runs):
            log(f"bench: skew: run {rep + 1}/{self.args.runs}")
            for tool in self.usable():
                check = lambda t=tool: check_skew(work, t)
                self.measure(work, tool, cells[tool.name]["first"], prepare=lambda t=tool: work.clean(t),
                             check=check, count=False)
                self.measure(work, tool, cells[tool.name]["second"],
                             prepare=lambda t=tool: work.clean(t, keep_state=True), check=check, count=False)
        self.results["skew"] = {**{k: v for k, v in work.meta.items() if k != "outputs"},
                                "tools": {t: {p: c.as_json() for p, c in ph.items()} for t, ph in cells.items()}}
        print(self.table_skew(work, cells), flush=True)

    def run_big(self) -> None:
        log("bench: big: generating")
        work = gen_big(self.usable())
        cells: dict[str, dict[str, Cell]] = {t.name: {"full": Cell(), "no-op": Cell()} for t in self.tools}
        tools = self.usable()
        full_runs = 1 if self.args.edit_loop else self.args.runs
        for rep in range(full_runs):
            log(f"bench: big: full build {rep + 1}/{full_runs}")
            for tool in tools:
                self.measure(work, tool, cells[tool.name]["full"], prepare=lambda t=tool: work.clean(t),
                             check=lambda t=tool: check_big(work, t))
        for tool in tools:
            if cells[tool.name]["full"].error is not None:
                cells[tool.name]["no-op"].error = "skipped: full build failed"
            else:
                run_measured(tool.argv(), work.dirs[tool.name], self.timeout(work.steps))
        for rep in range(self.args.runs):
            for tool in tools:
                self.measure(work, tool, cells[tool.name]["no-op"])
        xxh = self.time_xxhsum(work)
        opens = {t.name: self.count_data_opens(work, t) for t in tools
                 if cells[t.name]["no-op"].error is None}
        total = BIG_FILES * BIG_FILE_BYTES
        self.results["big"] = {"files": BIG_FILES, "bytes": total, "xxhsum": xxh, "noop_data_opens": opens,
                               "hashing_estimate": hashing_estimate(cells, xxh.get("median_s")),
                               "tools": {t: {p: c.as_json() for p, c in ph.items()} for t, ph in cells.items()}}
        print(self.table_big(work, cells, xxh, opens), flush=True)

    def run_startup(self) -> None:
        """`TOOL --version`, then a no-op of a one-step project, the tools interleaved run by run.

        Each figure is the median of STARTUP_RUNS runs (--runs when given), timed by time_spawn rather
        than run_measured: a run takes 1-3 ms, about what run_measured's helper process, output file and
        timer thread cost per run, and wait4 gives the CPU time for free. `true`, spawned and timed the
        same way alongside `--version`, shows the part of every figure that is not the tool's.
        """
        log("bench: startup: generating")
        work = gen_startup(self.usable())
        tools = self.usable()
        runs = self.args.startup_runs
        timeout = self.timeout(work.steps)
        cells: dict[str, dict[str, Cell]] = {t.name: {p: Cell() for p in STARTUP_PHASES} for t in self.tools}
        for tool in tools:  # one build and one warm-up no-op, not measured
            root = work.dirs[tool.name]
            problem = run_failure(run_measured(tool.argv(), root, timeout)) or check_startup(work, tool)
            if problem is not None:
                problem = f"first build: {problem}"
            else:
                problem = run_failure(run_measured(tool.argv(), root, timeout))
                problem = f"warm-up no-op: {problem}" if problem is not None else None
            if problem is not None:
                cells[tool.name]["no-op"].error = problem
                log(f"bench:   {tool.name}: {problem}")
        true_path = shutil.which("true")
        spawn_floor = Cell(error=None if true_path else "`true` not found")
        version_argv = {t.name: [str(t.path), "--version"] for t in tools}
        env = dict(os.environ)  # a plain dict: cheaper for posix_spawn to convert than os.environ
        null_fd = os.open(os.devnull, os.O_RDWR)
        handler = signal.signal(signal.SIGALRM, raise_spawn_timeout)
        collecting = gc.isenabled()
        gc.disable()  # no collection pause inside a timed run
        try:
            def sample(argv: list[str], cwd: Path, cell: Cell | None) -> None:
                """One run; into cell, or a warm-up when cell is None."""
                if cell is not None and cell.error is not None:
                    return
                run = time_spawn(argv, cwd, env, null_fd, timeout)
                if cell is None:
                    return
                if run.timed_out:
                    cell.error = f"timed out after {timeout:.0f} s"
                elif run.status != 0:  # run it again, unmeasured, for its message
                    try:
                        again = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)
                        output = again.stdout + again.stderr
                    except (OSError, subprocess.TimeoutExpired) as error:
                        output = str(error)
                    tail = " | ".join(output.strip().splitlines()[-3:])[:300]
                    cell.error = f"exit {run.status}: {tail}"
                else:
                    cell.walls.append(run.wall_ns / 1e9)
                    cell.cpu.append(run.cpu_s)

            log(f"bench: startup: --version x{runs}" + (f", `true` x{runs}" if true_path else ""))
            for rep in range(-1, runs):  # rep -1: one warm-up run each, not measured
                for tool in tools:
                    sample(version_argv[tool.name], work.dirs[tool.name],
                           cells[tool.name]["version"] if rep >= 0 else None)
                if true_path:
                    sample([true_path], WORK_DIR, spawn_floor if rep >= 0 else None)
            log(f"bench: startup: no-op x{runs}")
            time.sleep(0.01)  # let the coarse file clock advance: a rewrite of b.txt gets a new mtime
            before = {t.name: snapshot(work.watched(t)) for t in tools}
            for rep in range(runs):
                for tool in tools:
                    sample(tool.argv(), work.dirs[tool.name], cells[tool.name]["no-op"])
        finally:
            if collecting:
                gc.enable()
            signal.signal(signal.SIGALRM, handler)
            os.close(null_fd)
        for tool in tools:
            cell = cells[tool.name]["no-op"]
            if cell.error is None and rewritten(before[tool.name], snapshot(work.watched(tool))):
                cell.error = "wrong result: b.txt was rewritten during the measured no-ops"
                log(f"bench:   {tool.name}: {cell.error}")
        self.results["startup"] = {
            "runs": runs, "phases": list(STARTUP_PHASES),
            "argv": {t.name: {"version": version_argv[t.name], "no-op": t.argv()} for t in tools},
            "spawn_floor": {"argv": [true_path], **spawn_floor.as_json()},
            "tools": {t: {p: c.as_json() for p, c in ph.items()} for t, ph in cells.items()}}
        print(self.table_startup(work, cells, spawn_floor), flush=True)

    def time_xxhsum(self, work: Workload) -> dict[str, object]:
        exe = shutil.which("xxhsum")
        if exe is None:
            return {"error": "xxhsum not installed (apt-get install xxhash)"}
        data = Path(work.meta["data"])  # type: ignore[arg-type]
        argv = [exe, "-H2"] + [str(data / n) for n in work.meta["names"]]  # type: ignore[union-attr]
        walls = []
        for _ in range(self.args.runs):
            result = run_measured(argv, WORK_DIR, 600)
            if not result.ok:
                return {"error": f"xxhsum failed: {result.output[:200]}"}
            walls.append(result.wall)
        version = subprocess.run([exe, "--version"], capture_output=True, text=True)
        return {"median_s": statistics.median(walls), "runs_s": walls,
                "version": (version.stdout + version.stderr).split(" by ")[0].strip()}

    def count_data_opens(self, work: Workload, tool: Tool) -> int | str:
        """Runs one no-op under `strace -f -e trace=open,openat,openat2` and counts opens of src/*.bin."""
        exe = shutil.which("strace")
        if exe is None:
            return "n/a (no strace)"
        root = work.dirs[tool.name]
        trace = root / ".bench-strace.log"
        argv = [exe, "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", str(trace)] + tool.argv()
        result = run_measured(argv, root, self.timeout(work.steps) * 10)
        if not result.ok:
            return f"error: {result.output.strip()[:120]}"
        text = trace.read_text(errors="replace")
        trace.unlink()
        return len(re.findall(r'open(?:at2?)?\(.*"[^"]*\.bin"', text))

    # -----------------------------------------------------------------------------------------
    # Tables

    def header_names(self) -> dict[str, str]:
        return {t.name: f"{t.name} {t.version}" if t.version not in ("", "-") else t.name for t in self.tools}

    def table_incremental(self, label: str, key: str, work: Workload, source: str,
                          cells: dict[str, dict[str, Cell]]) -> str:
        names = self.header_names()
        result = self.results[key]
        phases: list[str] = result["phases"]  # type: ignore[assignment]
        expected: dict[str, list[int]] = result["expected_ran"]  # type: ignore[assignment]
        short = {"full": "full", "no-op": "no-op", "touch-one": "touch", "edit-one": "edit",
                 "edit-header": "header", "add-one": "add"}
        full_runs = self.full_runs(work.steps)
        rows = [f"### {label} ({work.steps:,} steps, -j{JOBS}; touch-one/edit-one change `{source}`)", "",
                "| tool | " + " | ".join(p if p in ("full", "no-op") else f"{p} (ran)" for p in phases)
                + " | peak MB | ratio to ninja (" + " / ".join(short[p] for p in phases) + " / peak) |",
                "|---|" + "---:|" * (len(phases) + 1) + "---|"]
        ninja = cells.get("ninja", {})
        for tool in self.tools:
            phase_cells = cells[tool.name]
            if tool.path is None:
                rows.append(f"| {names[tool.name]} | " + "error | " * len(phases) + f"– | {tool.error} |")
                continue
            row = [names[tool.name]]
            for phase in phases:
                row.append(fmt_cell(phase_cells[phase], with_ran=phase not in ("full", "no-op")))
            row.append(fmt_mb(peak_kb(phase_cells.values())))
            ratios = [fmt_ratio(phase_cells[p].median(), ninja[p].median() if p in ninja else None) for p in phases]
            ninja_peak = peak_kb(ninja.values()) if ninja else None
            mine = peak_kb(phase_cells.values())
            ratios.append(fmt_ratio(mine, ninja_peak) if mine and ninja_peak else "–")
            row.append(" / ".join(ratios))
            rows.append("| " + " | ".join(row) + " |")
        floor = cells.get("floor", {}).get("full")
        if floor is not None:
            full_ninja = ninja["full"].median() if "full" in ninja else None
            rows.append(f"| floor: {floor_tool().version} | {fmt_cell(floor, with_ran=False)} | "
                        + "– | " * (len(phases) - 1) + "– "
                        f"| {fmt_ratio(floor.median(), full_ninja)}" + " / –" * len(phases) + " |")
        notes = []
        if floor is not None:
            notes.append("floor: `bench/spawnfloor.c` runs the same commands with posix_spawnp and wait, at most "
                         f"{JOBS} at once, and does nothing else; no tool can build faster here.")
        if work.meta.get("shape") == "pertask":
            notes.append(f"stask: one task per step ({work.steps - 1:,} tasks and the aggregate), as a generator "
                         "writes them; ninja and make as in `wide`.")
        if full_runs == 1 and self.args.runs > 1:
            notes.append("full: one run per tool (--edit-loop or --full-runs 1), not a median.")
        if "edit-header" in phases:
            low, high = expected["edit-header"]
            notes.append(f"edit-header: a line appended to `{work.meta['header']}`, which the depfiles of {low:,} "
                         f"steps list (no tool is told of the headers but through the depfiles): expected ran "
                         f"{high:,} (those steps and the aggregate), or {low:,} when the tool skips the aggregate "
                         "because the steps' outputs came out byte-identical.")
        if "add-one" in phases:
            added: list[str] = result.get("added", [])  # type: ignore[assignment]
            first = f"`{added[0]}`" + (f" to `{added[-1]}`" if len(added) > 1 else "") if added else "new sources"
            regen = "ninja's build.ninja" + (" and stask's Taskfile" if work.meta.get("shape") == "pertask" else "")
            notes.append(f"add-one: a new source per run ({first}; they accumulate, the same for every tool), "
                         f"its output's path appended to outs.list; {regen} regenerated with the new step before "
                         "the timed run, as a generator would (not counted). Expected ran 2.")
        for tool in self.usable():
            for phase, (low, high) in expected.items():
                ran = cells[tool.name].get(phase, Cell()).ran
                outside = sorted({r for r in ran if r < low or r > high})
                if outside:
                    want = f"{low:,}" if low == high else f"{low:,}–{high:,}"
                    notes.append(f"{tool.name} {phase}: ran {', '.join(f'{r:,}' for r in outside)}, expected {want}.")
        if notes:
            rows += [""] + notes
        rows += error_notes(self.tools, cells)
        return "\n".join(rows) + "\n"

    def table_skew(self, work: Workload, cells: dict[str, dict[str, Cell]]) -> str:
        names = self.header_names()
        meta = work.meta
        rows = [f"### skew ({SKEW_SHORTS} x {SKEW_SHORT} s listed first, a chain of {SKEW_CHAIN} x {SKEW_LONG} s, "
                f"-j{JOBS}; bound = max(critical path {meta['critical_path']:.1f} s, work {meta['total_work']:.1f} s"
                f" / {JOBS}) = {meta['bound']:.2f} s)", "",
                "| tool | first build | / bound | second build | / bound |", "|---|---:|---:|---:|---:|"]
        bound = float(meta["bound"])  # type: ignore[arg-type]
        for tool in self.tools:
            if tool.path is None:
                rows.append(f"| {names[tool.name]} | error | – | error | – |")
                continue
            row = [names[tool.name]]
            for phase in ("first", "second"):
                cell = cells[tool.name][phase]
                median = cell.median()
                row.append(fmt_time(median) if median is not None else "error")
                row.append(f"{median / bound:.2f}x" if median is not None else "–")
            rows.append("| " + " | ".join(row) + " |")
        rows.append("")
        rows.append("first: no state and no outputs; second: outputs deleted, the tool's state kept "
                    "(stask learns durations).")
        rows += error_notes(self.tools, cells)
        return "\n".join(rows) + "\n"

    def table_big(self, work: Workload, cells: dict[str, dict[str, Cell]], xxh: dict[str, object],
                  opens: dict[str, int | str]) -> str:
        names = self.header_names()
        total = BIG_FILES * BIG_FILE_BYTES
        xxh_time = xxh.get("median_s")
        rows = [f"### big ({BIG_FILES} files of {BIG_FILE_BYTES >> 20} MiB = {total / 1e9:.2f} GB of random bytes, "
                f"one `wc -c` step each (reads nothing), -j{JOBS}; page cache warm)", ""]
        if xxh_time:
            rows.append(f"`xxhsum -H2` over the same files ({xxh.get('version', '')}): {fmt_time(xxh_time)} "
                        f"= {total / 2**20 / xxh_time:,.0f} MiB/s.")
        else:
            rows.append(f"`xxhsum -H2`: {xxh.get('error')}")
        rows += ["", "| tool | full build | xxhsum / full | full read (rchar) | no-op | no-op read (rchar) "
                 "| no-op opens of data files | peak MB |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for tool in self.tools:
            if tool.path is None:
                rows.append(f"| {names[tool.name]} | error | – | – | error | – | – | – |")
                continue
            full, noop = cells[tool.name]["full"], cells[tool.name]["no-op"]
            full_m, noop_m = full.median(), noop.median()
            if tool.name != "stask":
                ratio = "(hashes nothing)"
            else:
                ratio = f"{xxh_time / full_m:.2f}" if full_m and xxh_time else "–"
            rows.append("| " + " | ".join([
                names[tool.name], fmt_time(full_m) if full_m is not None else "error", ratio,
                fmt_bytes(median_int(full.rchar)), fmt_time(noop_m) if noop_m is not None else "error",
                fmt_bytes(median_int(noop.rchar)), str(opens.get(tool.name, "–")),
                fmt_mb(peak_kb([full, noop]))]) + " |")
        estimate = hashing_estimate(cells, xxh_time)
        if estimate is not None:
            rows += ["", f"stask's hashing alone, estimated: xxhsum / (stask's full build - the fastest other tool's "
                         f"full build) = {estimate:.2f}."]
        rows.append("")
        rows.append("xxhsum / full: xxhsum's time over stask's whole first build (1.00 = the build costs no more "
                    "than hashing the files alone; it also runs the 100 steps, whose cost ninja's and make's "
                    "full builds show). rchar: bytes passed through read() by the tool and every command it "
                    "ran. Opens: open/openat of a data file during one no-op under strace.")
        rows += error_notes(self.tools, cells)
        return "\n".join(rows) + "\n"

    def table_startup(self, work: Workload, cells: dict[str, dict[str, Cell]], spawn_floor: Cell) -> str:
        names = self.header_names()
        runs = self.args.startup_runs
        others = [t for t in self.tools if t.name != "ninja"]
        rows = [f"### startup (`--version`, and a no-op of a one-step project: `cp a.txt b.txt`; {runs} runs "
                "per figure, median wall time, in parentheses the median user+system CPU time)", "",
                "| run | " + " | ".join(names[t.name] for t in self.tools) + " | "
                + " | ".join(f"{t.name} / ninja" for t in others) + " |",
                "|---|" + "---:|" * (len(self.tools) + len(others))]
        labels = {"version": "`--version`", "no-op": "no-op, one step"}
        ninja = cells.get("ninja", {})
        for phase in STARTUP_PHASES:
            row = [labels[phase]]
            for tool in self.tools:
                cell = cells[tool.name][phase]
                if tool.path is None or cell.median() is None:
                    row.append("error")
                else:
                    row.append(f"{fmt_ms(cell.median())} (CPU {fmt_ms(cell.median_cpu())})")
            for tool in others:
                row.append(fmt_ratio(cells[tool.name][phase].median(), ninja[phase].median() if ninja else None))
            rows.append("| " + " | ".join(row) + " |")
        argv = ", ".join(f"`{' '.join([t.name] + t.argv()[1:])}`" for t in self.usable())
        rows += ["", f"`--version`: `TOOL --version`, after one unmeasured run. no-op: {argv} (as in the other "
                     "workloads) in a directory whose one step (Taskfile task, ninja edge, make rule) copies "
                     "`a.txt` to `b.txt`, after one build and one unmeasured no-op; `b.txt` must not be rewritten.",
                 "Timed from this script, without the spawnstat helper: from just before `posix_spawn` to just "
                 "after `wait4` has reaped the tool, output to /dev/null. That includes the spawn itself and "
                 "the script's own cost around it, the same for every tool: "
                 + (f"`true`, timed the same way, takes {fmt_ms(spawn_floor.median())} "
                    f"(CPU {fmt_ms(spawn_floor.median_cpu())})." if spawn_floor.median() is not None
                    else f"`true` could not be timed ({spawn_floor.error}).")]
        rows += error_notes(self.tools, cells)
        return "\n".join(rows) + "\n"

    def goals(self) -> str:
        """The performance goals, each checked against this run's figures."""
        rows = ["### Goals, from this run", "", "| goal | measured | met |", "|---|---|---|"]

        def cell(key: str, tool: str, phase: str) -> dict[str, object] | None:
            entry = self.results.get(key, {}).get("tools", {}).get(tool, {}).get(phase)  # type: ignore[union-attr]
            return entry if entry and entry.get("median_s") is not None else None

        def add(goal: str, measured: str | None, met: bool | None) -> None:
            verdict = "not measured" if met is None else ("yes" if met else "**no**")
            rows.append(f"| {goal} | {measured or '–'} | {verdict} |")

        def stask_failed(key: str, phase: str) -> bool:
            entry = self.results.get(key, {}).get("tools", {}).get("stask", {}).get(phase)  # type: ignore[union-attr]
            return bool(entry and entry.get("error"))

        def ratio_goal(goal: str, key: str, phase: str, limit: float, fmt=fmt_time) -> None:
            if key not in self.results:
                return
            mine, ninja = cell(key, "stask", phase), cell(key, "ninja", phase)
            if mine and ninja:
                value = mine["median_s"] / ninja["median_s"]  # type: ignore[operator]
                add(goal, f"{value:.2f}x ({fmt(mine['median_s'])} vs {fmt(ninja['median_s'])})",
                    value <= limit)
            elif stask_failed(key, phase):
                add(goal, "stask: error", False)
            else:
                add(goal, None, None)

        incremental = [k for k in self.results if k == "deep" or k.rsplit("-", 1)[0] in WIDE_KINDS]
        for key in incremental:
            for phase in INCREMENTAL:
                if phase in self.results[key]["phases"]:  # type: ignore[operator]
                    ratio_goal(f"{key_label(key)}: {phase} at or below ninja (<= 1.00x)", key, phase, 1.0)
        ratio_goal("full build at most 0.6x ninja, 10,000 targets", "wide-10000", "full", 0.6)
        floor, ninja_full = cell("wide-10000", "floor", "full"), cell("wide-10000", "ninja", "full")
        if floor and ninja_full:
            value = floor["median_s"] / ninja_full["median_s"]  # type: ignore[operator]
            rows.append(f"| (reference) the floor, 10,000 targets: the same commands and nothing else "
                        f"| {value:.2f}x ninja ({fmt_time(floor['median_s'])}) "
                        f"| {'the 0.6x goal is below it' if value > 0.6 else 'below 0.6x'} |")
        for key in incremental:
            touch = cell(key, "stask", "touch-one")
            ran = touch["ran"] if touch else None
            if stask_failed(key, "touch-one"):
                add(f"touch-one runs nothing ({key_label(key)})", "stask: error", False)
                continue
            add(f"touch-one runs nothing ({key_label(key)})", f"ran {sorted(set(ran))}" if ran else None,  # type: ignore[arg-type]
                (max(ran) == 0) if ran else None)  # type: ignore[arg-type]
        if "skew" in self.results:
            bound = float(self.results["skew"]["bound"])  # type: ignore[arg-type]
            for phase, limit in (("second", 1.05), ("first", 1.25)):
                entry = cell("skew", "stask", phase)
                value = entry["median_s"] / bound if entry else None  # type: ignore[operator]
                add(f"skew {phase} build within {round((limit - 1) * 100)}% of the bound",
                    f"{value:.2f}x" if value else None, (value <= limit) if value else None)
        if "big" in self.results:
            big = self.results["big"]
            entry = cell("big", "stask", "full")
            xxh = big["xxhsum"].get("median_s")  # type: ignore[union-attr]
            value = xxh / entry["median_s"] if entry and xxh else None  # type: ignore[operator]
            estimate = big.get("hashing_estimate")
            measured = None
            if value:
                measured = f"{value:.2f} (xxhsum / whole build)"
                if estimate is not None:
                    measured += f"; {estimate:.2f} without the steps' own cost (estimate, judged on this)"
            judged = estimate if estimate is not None else value
            add("first-build hashing at 70% or more of xxhsum throughput", measured,
                (judged >= 0.7) if judged else None)
            opens = big["noop_data_opens"].get("stask")  # type: ignore[union-attr]
            noop = cell("big", "stask", "no-op")
            rchar = median_int(noop["rchar"]) if noop else None  # type: ignore[arg-type]
            if isinstance(opens, int):
                add("no-op on big reads no file", f"{opens} opens of data files, rchar {fmt_bytes(rchar)}",
                    opens == 0 and (rchar is None or rchar < BIG_FILE_BYTES))
            else:
                add("no-op on big reads no file", f"rchar {fmt_bytes(rchar)}" if rchar is not None else None,
                    (rchar < BIG_FILE_BYTES) if rchar is not None else None)
        if "wide-100000" in self.results:
            tools = self.results["wide-100000"]["tools"]  # type: ignore[index]
            mine = max((kb for c in tools.get("stask", {}).values() for kb in c["max_rss_kb"]), default=None)
            ninja = max((kb for c in tools.get("ninja", {}).values() for kb in c["max_rss_kb"]), default=None)
            value = mine / ninja if mine and ninja else None
            add("peak memory at 100,000 targets at most 2x ninja",
                f"{value:.2f}x ({fmt_mb(mine)} MB vs {fmt_mb(ninja)} MB)" if value else None,
                (value <= 2.0) if value else None)
        ratio_goal("start-up: stask --version at most 2x ninja's", "startup", "version", 2.0, fmt_ms)
        ratio_goal("start-up: no-op of a one-step project at most 2x ninja's", "startup", "no-op", 2.0, fmt_ms)
        if len(rows) == 4:
            return ""
        return "\n".join(rows) + "\n"


def key_label(key: str) -> str:
    """wide-10000 -> wide 10,000 (results' keys as the tables name them)."""
    kind, _, size = key.rpartition("-")
    return f"{kind} {int(size):,}" if kind in WIDE_KINDS and size.isdigit() else key


def hashing_estimate(cells: dict[str, dict[str, Cell]], xxh_time: object) -> float | None:
    """xxhsum's time over stask's full build less the steps' own cost (the fastest other tool's full build)."""
    mine = cells.get("stask", {}).get("full")
    others = [cells[t]["full"].median() for t in ("ninja", "make") if t in cells and "full" in cells[t]]
    others = [o for o in others if o is not None]
    if not isinstance(xxh_time, float) or mine is None or mine.median() is None or not others:
        return None
    hashing = mine.median() - min(others)  # type: ignore[operator]
    return xxh_time / hashing if hashing > 0 else None


def peak_kb(cells) -> int | None:
    values = [kb for cell in cells for kb in cell.rss_kb]
    return max(values) if values else None


def median_int(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return int(statistics.median(present)) if present else None


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def fmt_ms(seconds: float | None) -> str:
    """Milliseconds with two decimals, for the start-up figures (1-3 ms)."""
    return "–" if seconds is None else f"{seconds * 1000:.2f} ms"


def fmt_mb(kb: int | None) -> str:
    if not kb:
        return "–"
    return f"{kb / 1024:.1f}" if kb < 10 * 1024 else f"{kb / 1024:.0f}"


def fmt_bytes(count: int | None) -> str:
    if count is None:
        return "–"
    if count < 10 * 1024:
        return f"{count} B"
    if count < 10 * 2**20:
        return f"{count / 1024:,.0f} KiB"
    return f"{count / 2**20:,.0f} MiB"


def fmt_ratio(mine: float | None, ninja: float | None) -> str:
    if mine is None or not ninja:
        return "–"
    return f"{mine / ninja:.2f}"


def fmt_cell(cell: Cell, with_ran: bool) -> str:
    median = cell.median()
    if median is None:
        return "error"
    text = fmt_time(median)
    if with_ran and cell.ran:
        low, high = min(cell.ran), max(cell.ran)
        text += f" ({low})" if low == high else f" ({low}–{high})"
    return text


def run_failure(result: RunResult) -> str | None:
    """Why an unmeasured run failed (its exit status and the last lines of its output), or None."""
    if result.timed_out:
        return "timed out"
    if result.status != 0:
        return f"exit {result.status}: " + " | ".join(result.output.strip().splitlines()[-3:])[:300]
    return None


def error_notes(tools: list[Tool], cells: dict[str, dict[str, Cell]]) -> list[str]:
    notes = []
    for tool in tools:
        if tool.path is None:
            notes.append(f"- {tool.name}: {tool.error}")
            continue
        for phase, cell in cells[tool.name].items():
            if cell.error is not None and not cell.error.startswith("skipped"):
                notes.append(f"- {tool.name} {phase}: error: {cell.error}")
            reported = {r for r in cell.reported if r is not None}
            if cell.error is None and cell.ran and reported and reported != set(cell.ran):
                notes.append(f"- {tool.name} {phase}: {sorted(set(cell.ran))} outputs rewritten, but the tool "
                             f"reports {sorted(reported)} commands run")
    return [""] + notes if notes else []


# ---------------------------------------------------------------------------------------------
# Main


def machine() -> dict[str, object]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "mem_gb": mem_gb,
            "kernel": platform.release(), "loadavg": os.getloadavg()}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark stask beside ninja and GNU make on generated workloads.",
        epilog="Tables go to stdout (Markdown), progress to stderr. See bench/README.md.")
    parser.add_argument("--stask", default=DEFAULT_STASK,
                        help=f"stask binary (default {DEFAULT_STASK}, relative to the repository; "
                             "built with `swift build -c release --product stask --static-swift-stdlib` when missing)")
    parser.add_argument("--no-build", action="store_true", help="never build stask")
    parser.add_argument("--ninja", help="ninja binary (default: the pip package's, installed when missing)")
    parser.add_argument("--make", help="make binary (default: make on PATH)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of stask,ninja,make")
    parser.add_argument("--workloads",
                        help=f"comma-separated subset of {','.join(WORKLOADS)}, or `all` "
                             f"(default {','.join(DEFAULT_WORKLOADS)}; --quick {','.join(QUICK_WORKLOADS)})")
    parser.add_argument("--sizes", help="sizes of wide, pertask, depfile and depfile-pertask, comma-separated "
                                        "(default 1000,10000,100000)")
    parser.add_argument("--runs", type=int, help="runs per measurement, medians reported (default 5; --quick 3; "
                                                 f"startup {STARTUP_RUNS} unless --runs is given)")
    parser.add_argument("--full-runs", type=int,
                        help="runs of the full builds of wide/deep (default: --runs, at most 3 above 50,000 steps)")
    parser.add_argument("--edit-loop", action="store_true",
                        help="one measured full build per tool and workload, then the incremental phases "
                             "(no-op, touch-one, edit-one, edit-header, add-one) --runs times each")
    parser.add_argument("--quick", action="store_true",
                        help="wide at 1,000 and 10,000 only, 3 runs; adds startup to the default workloads")
    parser.add_argument("--timeout", type=float, help="seconds per run (default 120 + 0.05 per step)")
    parser.add_argument("--json", help="also write every measurement to this JSON file")
    args = parser.parse_args(argv)
    if args.sizes:
        args.sizes = [int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s]
    else:
        args.sizes = [1000, 10000] if args.quick else [1000, 10000, 100000]
    # startup's runs take 1-3 ms: many of them, unless --runs says otherwise.
    args.startup_runs = args.runs if args.runs is not None else STARTUP_RUNS
    if args.runs is None:
        args.runs = 3 if args.quick else 5
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if args.workloads is None:
        args.workloads = ",".join(QUICK_WORKLOADS if args.quick else DEFAULT_WORKLOADS)
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if "all" in args.workloads:
        args.workloads = list(WORKLOADS)
    for name in args.tools:
        if name not in TOOLS:
            parser.error(f"unknown tool '{name}' (known: {', '.join(TOOLS)})")
    for name in args.workloads:
        if name not in WORKLOADS:
            parser.error(f"unknown workload '{name}' (known: {', '.join(WORKLOADS)})")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.edit_loop and args.full_runs not in (None, 1):
        parser.error("--edit-loop runs each full build once; it cannot be combined with --full-runs")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    tools = []
    for name in args.tools:
        if name == "stask":
            tools.append(find_stask(args.stask, not args.no_build))
        elif name == "ninja":
            tools.append(find_ninja(args.ninja))
        else:
            tools.append(find_make(args.make))
    for tool in tools:
        if tool.path is None:
            log(f"bench: {tool.name}: {tool.error}; its column shows `error`")
    started = time.time()  # after building stask, which is not part of the benchmark
    info = machine()
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    helper = build_helper("spawnstat")
    if helper:
        SPAWNSTAT.append(helper)
    floor = build_helper("spawnfloor")
    if floor:
        FLOOR.append(floor)
    else:
        log("bench: no C compiler: timing from Python; peak MB cannot go below this script's own RSS")
    print(f"## stask benchmark, {time.strftime('%Y-%m-%d %H:%M')}\n")
    print(f"Machine: {info['nproc']} cores ({info['cpu']}), {info['mem_gb']} GB, Linux {info['kernel']}, "
          f"load average at start {info['loadavg'][0]:.1f}. Runs per figure: {args.runs} (median)"
          + (f", startup {args.startup_runs}" if "startup" in args.workloads else "")
          + ("; --edit-loop: one full build per tool." if args.edit_loop else "."))
    print("Tools: " + ", ".join(f"{t.name} {t.version} ({t.path or t.error})" for t in tools) + "\n", flush=True)
    bench = Bench(args, tools)
    try:
        for kind in WIDE_KINDS:
            if kind in args.workloads:
                for size in args.sizes:
                    bench.run_wide(size, kind=kind)
        if "deep" in args.workloads:
            bench.run_wide(DEEP_STEPS, deep=True)
        if "skew" in args.workloads:
            bench.run_skew()
        if "big" in args.workloads:
            bench.run_big()
        if "startup" in args.workloads:
            bench.run_startup()
    except KeyboardInterrupt:
        log("bench: interrupted")
        return 130
    print(bench.goals(), flush=True)
    elapsed = time.time() - started
    load = os.getloadavg()[0]
    took = f"{elapsed / 60:.1f} min" if elapsed >= 60 else f"{elapsed:.0f} s"
    print(f"Load average at the end {load:.1f}; the benchmark took {took}.")
    if args.json:
        payload = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": info, "load_at_end": load,
                   "args": {k: v for k, v in vars(args).items()}, "jobs": JOBS,
                   "tools": {t.name: {"path": t.path, "version": t.version, "error": t.error} for t in tools},
                   "results": bench.results, "elapsed_s": elapsed}
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
        log(f"bench: wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
