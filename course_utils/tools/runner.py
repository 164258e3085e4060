"""Inside the sandbox: run one notebook, then answer the judge's requests. Decides nothing.

``python -m course_utils.tools.runner NOTEBOOK TIMEOUT`` runs NOTEBOOK cell by cell in a fresh
kernel, in the current folder, for at most TIMEOUT seconds (a cell still running then is
interrupted), and prints one JSON line::

    {"event": "executed", "timed_out": false, "dead": false, "error": "cell 7 raised NameError: ..."}

It then reads JSON lines from standard input: ``{"op": "serve", "n": 3}`` runs
:func:`course_utils.checks.probe.serve` in the kernel on ``requests/3.pt`` and answers
``{"event": "served", "n": 3}``; anything else ends the run. The grader outside the sandbox reads
all of this as untrusted data.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell

#: Seconds one request of the judge may take in the kernel.
REQUEST_TIMEOUT = 60


def _say(message: dict) -> None:
    print(json.dumps(message), flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run the notebook named in ``argv``, report, then serve requests until told to stop."""
    path, timeout = (sys.argv[1:] if argv is None else argv)[:2]
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        allow_errors=True,
        record_timing=False,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": "."}},
    )
    report = {"event": "executed", "timed_out": False, "dead": False, "error": ""}
    deadline = time.monotonic() + float(timeout)
    # The kernel's own stdout and stderr are not the learner's outputs (those come as messages):
    # dropped, so that nothing it prints can mix into this program's answers.
    with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        for index, cell in enumerate(notebook.cells):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                report["timed_out"] = True
                break
            client.timeout = max(1, int(remaining))
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                report["dead"] = True
                break
            if time.monotonic() >= deadline - 1.5:  # the cell's limit is the whole seconds left
                report["timed_out"] = True
                report["cell"] = index + 1
                break
            # only errors are read: the rest is dropped, so that outputs cannot pile up in memory
            cell.outputs = [output for output in cell.get("outputs", []) if output.output_type == "error"]
            for output in cell.outputs:
                if not report["error"]:
                    report["error"] = f"cell {index + 1} raised {output.ename}: {str(output.evalue)[:300]}"
        _say(report)
        serving = new_code_cell("")
        notebook.cells.append(serving)  # the cell each request runs in, after the learner's
        for line in sys.stdin:
            try:
                request = json.loads(line)
                number = int(request["n"]) if request.get("op") == "serve" else None
            except (ValueError, KeyError, TypeError):
                number = None
            if number is None or report["dead"]:
                break
            client.timeout = REQUEST_TIMEOUT
            serving.source = (
                "import course_utils.checks.probe as _course_probe\n"
                f"_course_probe.serve('requests/{number}.pt', 'responses/{number}.pt')"
            )
            serving.outputs = []
            try:
                client.execute_cell(serving, len(notebook.cells) - 1)
            except DeadKernelError:
                report["dead"] = True
            _say({"event": "served", "n": number})


if __name__ == "__main__":
    main()
