#!/usr/bin/env python3
"""Balance of `stask build --shard I/2` on a real test suite: docutils 0.21.2's, run by pytest.

Fetches the sdist (pip download, SHA-256 checked) and pytest 8.3.5 (pip install --target) into
~/.cache/stask-tests, as Tests/StaskEndToEndTests/RealPythonSuiteTests.swift does, extracts the sdist into
a seed project with Fixtures/real-python-suite/Taskfile, and records one run (`stask build test`: both
shards, JUnit reports to {{junit}}). Then, --runs times: two copies of the seed, `--shard 0/2` in one and
`--shard 1/2` in the other, one after the other (shard 0 first in odd runs, shard 1 in even ones); each timed from spawn to exit (wall time, and the CPU
time of stask and the tests from wait4(), which a loaded machine disturbs less). The ratio of a run is
max(t0, t1) / ((t0 + t1) / 2); the script prints every run and the median.

Standard library only.  Run `bench/shards.py --help`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDIST = "docutils-0.21.2.tar.gz"
SDIST_SHA256 = "3a6b18732edf182daa3cd12775bbb338cf5691468f91eeeb109deff6ebfa986f"
# As in the test: two language tests that pass or fail depending on which modules ran before them.
ORDER_DEPENDENT_TESTS = [
    "test/test_parsers/test_rst/test_directives/test_admonitions_dummy_lang.py",
    "test/test_parsers/test_rst/test_directives/test_replace_fr.py",
]
PYTEST = ["pytest==8.3.5", "pluggy==1.6.0", "iniconfig==2.1.0", "packaging==25.0"]


def cache_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    if base and base.startswith("/"):
        return Path(base) / "stask-tests"
    return Path.home() / ".cache" / "stask-tests"


def sdist() -> Path:
    cache = cache_directory()
    path = cache / SDIST
    if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != SDIST_SHA256:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--disable-pip-version-check", "--dest", str(cache), "docutils==0.21.2"], check=True)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != SDIST_SHA256:
            sys.exit(f"{path}: SHA-256 {digest}, expected {SDIST_SHA256}")
    return path


def pytest_directory() -> Path:
    target = cache_directory() / "pytest-8.3.5"
    if not (target / "pytest").is_dir():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-cache-dir",
             "--only-binary", ":all:", "--target", str(target), *PYTEST], check=True)
    return target


def stask(binary: Path, directory: Path, *arguments: str) -> tuple[float, float]:
    """Runs `stask build ARGUMENTS`; returns its wall time and the CPU time (user + system) of it and its
    children, from wait4()."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [str(binary), "build", *arguments, "--progress=plain"], cwd=directory, stdout=output,
            stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.monotonic() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode(errors="replace")
    if process.returncode != 0:
        sys.exit(f"stask build {' '.join(arguments)} in {directory}: exit {process.returncode}\n{text}")
    for line in text.splitlines():
        if "warning" in line:
            print(f"  {line}")
    return elapsed, usage.ru_utime + usage.ru_stime


def report_figures(directory: Path) -> str:
    """The shard's JUnit report: its test cases' total time and pytest's session time."""
    cases = session = 0.0
    for report in (directory / ".stask/junit").glob("*.xml"):
        root = ET.parse(report).getroot()
        cases += sum(float(case.get("time", 0)) for case in root.iter("testcase"))
        session += sum(float(suite.get("time", 0)) for suite in root.iter("testsuite"))
    return f"cases {cases:.2f} s, session {session:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stask", type=Path, default=ROOT / ".build/debug/stask", help="the stask binary")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--family", default="xunit2", help="pytest's junit_family (xunit2 or xunit1)")
    parser.add_argument("--jobs", type=int, default=2, help="-j of the recorded run (2: both shards at once)")
    parser.add_argument("--no-history", action="store_true", help="skip the recorded run (the hash split)")
    options = parser.parse_args()

    archive, pytest = sdist(), pytest_directory()
    variables = [f"PYTEST_PATH={pytest}", f"JUNIT_FAMILY={options.family}"]
    work = Path(tempfile.mkdtemp(prefix="stask-shards-"))
    try:
        seed = work / "seed"
        seed.mkdir()
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                member.name = member.name.split("/", 1)[1] if "/" in member.name else ""
            tar.extractall(seed, members=[m for m in tar.getmembers() if m.name])
        shutil.copy(ROOT / "Fixtures/real-python-suite/Taskfile", seed / "Taskfile")
        for path in ORDER_DEPENDENT_TESTS:
            (seed / path).unlink()
        if not options.no_history:
            recorded, _ = stask(options.stask, seed, "test", f"-j{options.jobs}", *variables)
            print(f"recorded run (both shards, -j{options.jobs}): {recorded:.2f} s")
        plan = subprocess.run([str(options.stask), "shards", "test"], cwd=seed, capture_output=True, text=True)
        for line in plan.stdout.splitlines():
            print(line if len(line) < 160 else line[:157] + "...")
        ratios, cpu_ratios = [], []
        for run in range(options.runs):
            times, cpu_times = [0.0, 0.0], [0.0, 0.0]
            # Alternating which shard goes first cancels whatever the position costs (the copy's writeback).
            for shard in (0, 1) if run % 2 == 0 else (1, 0):
                copy = work / f"run{run}-shard{shard}"
                shutil.copytree(seed, copy, symlinks=True)
                shutil.rmtree(copy / ".stask/junit", ignore_errors=True)
                wall, cpu = stask(options.stask, copy, "test", "--shard", f"{shard}/2", *variables)
                times[shard] = wall
                cpu_times[shard] = cpu
                print(f"  shard {shard}: wall {wall:.2f} s, cpu {cpu:.2f} s; {report_figures(copy)}")
                shutil.rmtree(copy)
            ideal = sum(times) / 2
            ratios.append(max(times) / ideal)
            cpu_ratios.append(max(cpu_times) / (sum(cpu_times) / 2))
            print(f"run {run + 1}: t0 {times[0]:.2f} s, t1 {times[1]:.2f} s, ideal {ideal:.2f} s, "
                  f"slower / ideal {ratios[-1]:.3f} (by CPU time {cpu_ratios[-1]:.3f})")
        print(f"median slower / ideal over {options.runs} runs: {statistics.median(ratios):.3f} "
              f"(by CPU time {statistics.median(cpu_ratios):.3f})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
