"""The portability matrix: the notebook tests under CPU configurations other than this machine's.

Usage (from the repository root)::

    python tests/portability.py                      # every configuration, a few minutes each
    python tests/portability.py --config "one thread" --config "ATEN_CPU_CAPABILITY=default"
    python tests/portability.py --list               # the configurations and their settings

Each configuration re-runs ``pytest notebooks`` (nbval with ``tests/nbval_numbers.py``) with
environment variables that switch torch's, MKL's and oneDNN's CPU kernels the way another machine
would: fewer or more threads, torch's kernels without vector instructions, older instruction sets
for MKL and oneDNN, MKL's reproducible mode. A machine can only switch its instruction sets down,
never up: AVX-512, ARM and CUDA are not covered, and are what the tolerances' margin is for.
For each configuration it prints the cells whose output was not identical to the stored one, how
far their numbers moved (in units of the last printed digit, or "text" when more than numbers
changed) against what the cell allows, and whether the notebook tests passed. It exits non-zero
if any configuration failed. Use it to choose a cell's ``tolerance``: twice the largest move it
measures, the margin being for the machines it cannot emulate.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parents[1]

CONFIGURATIONS: dict[str, dict[str, str]] = {
    "as installed": {},
    "one thread": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    "three threads": {"OMP_NUM_THREADS": "3", "MKL_NUM_THREADS": "3"},
    "ATEN_CPU_CAPABILITY=default": {"ATEN_CPU_CAPABILITY": "default"},
    "MKL_ENABLE_INSTRUCTIONS=AVX2": {"MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "MKL_ENABLE_INSTRUCTIONS=SSE4_2": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    "MKL_CBWR=COMPATIBLE": {"MKL_CBWR": "COMPATIBLE"},
    "AVX2 everywhere": {  # a machine without AVX-512, as many laptops and cloud runners are
        "ATEN_CPU_CAPABILITY": "avx2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "ONEDNN_MAX_CPU_ISA": "AVX2",
    },
    "SSE4.2 everywhere": {
        "ATEN_CPU_CAPABILITY": "default",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
    },
}


def run(name: str, pytest_args: list[str]) -> dict:
    """Run the notebook tests under one configuration; return what moved and what failed."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "moved.jsonl"
        env = {**os.environ, **CONFIGURATIONS[name], "NBVAL_NUMBERS_REPORT": str(report)}
        command = [sys.executable, "-m", "pytest", "-q", "-n", "0", *(pytest_args or ["notebooks"])]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        moved = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    failed = sorted(set(re.findall(r"^(?:FAILED|ERROR) (\S+(?: \d+)?)", result.stdout, re.MULTILINE)))
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode not in (0, 1):  # not a test failure: pytest itself could not run
        summary += "\n" + (result.stdout + result.stderr)[-2000:]
    return {"passed": result.returncode == 0, "moved": moved, "failed": failed, "summary": summary}


def describe(row: dict) -> str:
    """One moved cell: where, how far against what is allowed, and its first line."""
    if row["moved"] is None:
        how_far = "text differs"
    else:
        decimals, integers = row["moved"]
        how_far = f"decimals moved {decimals:g} units of the last digit (allowed {row['units']:g})"
        if integers or row["integers"]:
            how_far += f", integers moved {integers:g} (allowed {row['integers']})"
    first_line = row["source"].strip().splitlines()[0][:50] if row["source"].strip() else ""
    return f"  {row['notebook']} cell {row['cell']}: {how_far}  | {first_line}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/portability.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--config",
        action="append",
        choices=sorted(CONFIGURATIONS),
        help="a configuration to run (repeatable); default: all",
    )
    parser.add_argument("--list", action="store_true", help="print the configurations and exit")
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest; default: notebooks")
    args = parser.parse_args(argv)
    if args.list:
        for name, env in CONFIGURATIONS.items():
            print(f"{name:32s} {' '.join(f'{k}={v}' for k, v in env.items()) or '(no change)'}")
        return 0
    results = {}
    for name in args.config or list(CONFIGURATIONS):
        results[name] = result = run(name, args.pytest_args)
        print(f"## {name}: {'passed' if result['passed'] else 'FAILED'} ({result['summary']})", flush=True)
        for row in result["moved"]:
            print(describe(row))
        for node in result["failed"]:
            print(f"  failed: {node}")
    print("\n| configuration | cells that moved | cells that failed | notebook tests |")
    print("|---|---:|---:|---|")
    for name, result in results.items():
        verdict = "pass" if result["passed"] else "FAIL"
        print(f"| {name} | {len(result['moved'])} | {len(result['failed'])} | {verdict} |")
    return 0 if all(result["passed"] for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
