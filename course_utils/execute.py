"""Re-execute notebooks top to bottom in a fresh kernel and store their outputs.

Usage (from the repository root)::

    python -m course_utils.execute                       # every notebook
    python -m course_utils.execute notebooks/01_tensors.ipynb

Stored outputs must come from such a run, never from editing: this is the
command to run after changing a notebook. It prints each notebook's wall time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: str | Path, *, timeout: int = 600) -> float:
    """Execute the notebook at ``path`` in a fresh ``python3`` kernel, save it, return seconds.

    The kernel starts in the notebook's folder. Cells tagged ``raises-exception``
    may fail; any other error stops the run and leaves the file unchanged.
    """
    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise FileNotFoundError(f"execute: path must be an existing .ipynb file, got {path}")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, path)
    return seconds


def main(argv: list[str] | None = None) -> None:
    paths = (sys.argv[1:] if argv is None else argv) or sorted(
        str(p) for p in Path("notebooks").glob("[0-9][0-9]_*.ipynb")
    )
    if not paths:
        raise SystemExit("execute: no notebooks given and none found in ./notebooks")
    for path in paths:
        print(f"{path}: {execute(path):.1f} s", flush=True)


if __name__ == "__main__":
    main()
