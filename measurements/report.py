"""The header every results file starts with, and an output that goes both to the screen and to a file."""

from __future__ import annotations

import contextlib
import datetime
import os
import platform
import sys
from pathlib import Path

import torch

RESULTS = Path(__file__).parent / "results"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    fields = {}
    for line in lines:
        name, _, value = line.partition(":")
        fields.setdefault(name.strip(), value.strip())
    if "model name" in fields:
        details = [f"{key} {fields[key]}" for key in ("cpu family", "model", "stepping") if key in fields]
        return f"{fields['model name']} ({', '.join(details)})" if details else fields["model name"]
    return platform.processor() or platform.machine()


def header(command: str) -> str:
    """Date, machine, versions and threads: what a reader needs to judge a result's numbers and times."""
    lines = [
        f"command:       {command}",
        f"date:          {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"cpu:           {cpu_model()}",
        f"cores:         {os.cpu_count()}",
        f"platform:      {platform.platform()}",
        f"python:        {platform.python_version()}",
        f"torch:         {torch.__version__} (cpu capability {torch.backends.cpu.get_cpu_capability()})",
        f"torch threads: {torch.get_num_threads()}",
        load_average("at the start"),
    ]
    return "\n".join(lines)


def load_average(when: str) -> str:
    """The system's load average: other work on the machine slows the timed runs down."""
    if not hasattr(os, "getloadavg"):
        return "load average:  not available"
    values = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"load average:  {values} (over 1, 5 and 15 min, {when})"


class Output:
    """Print lines and append them to a results file at once, so that a long run can be followed."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        with self.path.open("a") as file:
            file.write(text + "\n")


def command_line() -> str:
    """How this script was started, as a command to type from the repository root."""
    script = Path(sys.argv[0])
    with contextlib.suppress(ValueError):  # a script outside the current folder keeps its own path
        script = script.resolve().relative_to(Path.cwd())
    return " ".join(["python", str(script), *sys.argv[1:]])
