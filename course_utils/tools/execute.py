"""Run notebooks top to bottom in a fresh kernel: to store their outputs, or to time them.

Usage (from the repository root)::

    python -m course_utils.tools.execute                       # every notebook: run and save
    python -m course_utils.tools.execute notebooks/01_tensors.ipynb
    python -m course_utils.tools.execute --benchmark           # run, save nothing, print a table

Stored outputs must come from such a run, never from editing: this is the
command to run after changing a notebook. ``--benchmark`` prints each notebook's
wall time (kernel start included) and the kernel's peak memory as a Markdown table.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

# The last cell of every run: prints the kernel's peak resident memory in bytes, or nothing where
# it cannot be read. `resource` is Unix only; on Windows, psutil (which ipykernel installs) knows
# the peak working set.
_PEAK_MEMORY = """\
import sys
try:
    import resource
except ImportError:
    try:
        import psutil
        print(psutil.Process().memory_info().peak_wset)
    except (ImportError, AttributeError):
        pass
else:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024))
"""


def run(path: str | Path, *, save: bool, timeout: int = 600) -> dict[str, float]:
    """Execute the notebook at ``path`` in a fresh ``python3`` kernel started in its folder.

    Any error stops the run: a lesson shows an error with ``course_utils.expect_error``.

    Args:
        path: an ``.ipynb`` file.
        save: write the executed notebook back to ``path``.
        timeout: seconds one cell may take.

    Returns:
        ``{"seconds": wall time, kernel start included, "peak_mib": the kernel's
        peak resident memory in MiB (NaN where it cannot be read)}``.

    Example:
        >>> import tempfile
        >>> from nbformat.v4 import new_notebook
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = Path(folder) / "tiny.ipynb"
        ...     nbformat.write(new_notebook(cells=[new_code_cell("print(6 * 7)")]), path)
        ...     result = run(path, save=True)
        ...     stored = nbformat.read(path, as_version=4).cells[0].outputs[0]["text"].strip()
        >>> stored, result["seconds"] > 0
        ('42', True)
    """
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise FileNotFoundError(f"run: path must be an existing .ipynb file, got {path}")
    notebook = nbformat.read(path, as_version=4)
    probe = copy.deepcopy(notebook)
    probe.cells.append(new_code_cell(_PEAK_MEMORY))
    client = NotebookClient(
        probe,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,  # one output per stream, a progress bar's redraws reduced to its last
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    try:
        peak_mib = int(probe.cells[-1].outputs[0]["text"]) / 2**20
    except (IndexError, KeyError, ValueError):
        peak_mib = float("nan")
    if save:
        notebook.cells = probe.cells[:-1]
        # The kernel's language_info (so that opening the notebook changes nothing) and the
        # explorations' widget state (so that a page that renders widgets shows them as they were).
        notebook.metadata = probe.metadata
        nbformat.write(notebook, path)
    return {"seconds": seconds, "peak_mib": peak_mib}


def markdown_table(results: dict[str, dict[str, float]]) -> str:
    """Format benchmark results as a Markdown table.

    Example:
        >>> print(markdown_table({"01_tensors.ipynb": {"seconds": 6.04, "peak_mib": 350.2}}))
        | notebook | wall time (s) | peak memory (MiB) |
        |---|---:|---:|
        | 01_tensors.ipynb | 6.0 | 350 |
    """
    rows = ["| notebook | wall time (s) | peak memory (MiB) |", "|---|---:|---:|"]
    for name, result in results.items():
        rows.append(f"| {name} | {result['seconds']:.1f} | {result['peak_mib']:.0f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    """The command line: ``python -m course_utils.tools.execute [--benchmark] [NOTEBOOK ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.execute", description=__doc__.split("\n")[0]
    )
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/[0-9][0-9]*_*.ipynb")
    parser.add_argument(
        "--benchmark",
        action="store_true",
        help="save nothing; print wall time and peak memory as a Markdown table",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    paths = args.notebooks or sorted(str(p) for p in Path("notebooks").glob("[0-9][0-9]*_*.ipynb"))
    if not paths:
        parser.error("no notebooks given and none found in ./notebooks")
    results = {}
    for path in paths:
        results[Path(path).name] = result = run(path, save=not args.benchmark)
        if not args.benchmark:
            print(f"{path}: {result['seconds']:.1f} s", flush=True)
    if args.benchmark:
        import torch

        from course_utils.device import get_device

        device = get_device()
        name = (
            torch.cuda.get_device_name(device)
            if device.type == "cuda"
            else platform.processor() or platform.machine()
        )
        print(f"device: {device} ({name}, {os.cpu_count()} CPU cores), torch {torch.__version__}\n")
        print(markdown_table(results))
    return results


if __name__ == "__main__":
    main()
