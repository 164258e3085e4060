"""Regenerate ``figures/`` from the notebooks' key figures.

A code cell tagged ``figure:NAME`` holds a lesson's key figure; its stored PNG
output is written to ``figures/NAME.png``. Usage (from the repository root)::

    python -m course_utils.tools.figures             # from the stored outputs
    python -m course_utils.tools.figures --execute   # re-execute every notebook first

The README's gallery shows these files; a test checks that they match the
notebooks' stored outputs.
"""

from __future__ import annotations

import argparse
import base64
from pathlib import Path

import nbformat

TAG_PREFIX = "figure:"


def key_figures(notebook: nbformat.NotebookNode) -> dict[str, bytes]:
    """Map each ``figure:NAME`` tag of ``notebook`` to the PNG bytes its cell stored.

    Raises:
        ValueError: a tagged cell has no PNG output, or two cells share a name.

    Example:
        >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
        >>> png = new_output("display_data", data={"image/png": "iVBORw0KGgo="})
        >>> cell = new_code_cell("plt.show()", metadata={"tags": ["figure:demo"]}, outputs=[png])
        >>> key_figures(new_notebook(cells=[cell]))
        {'demo': b'\\x89PNG\\r\\n\\x1a\\n'}
    """
    figures: dict[str, bytes] = {}
    for cell in notebook.cells:
        for tag in cell.get("metadata", {}).get("tags", []):
            if not tag.startswith(TAG_PREFIX):
                continue
            name = tag[len(TAG_PREFIX) :]
            pngs = [
                o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
            ]
            if len(pngs) != 1:
                raise ValueError(
                    f"key_figures: the cell tagged {tag!r} must show exactly one "
                    f"PNG, it shows {len(pngs)}; execute the notebook first"
                )
            if name in figures:
                raise ValueError(f"key_figures: two cells are tagged {tag!r}")
            figures[name] = base64.b64decode(pngs[0])
    return figures


def main(argv: list[str] | None = None) -> list[Path]:
    """The command line: ``python -m course_utils.tools.figures [--execute]``; returns the files written."""
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.tools.figures", description="Regenerate figures/ from the notebooks."
    )
    parser.add_argument("--execute", action="store_true", help="re-execute every notebook first")
    parser.add_argument("--source", default="notebooks")
    parser.add_argument("--out", default="figures")
    args = parser.parse_args(argv)
    notebooks = sorted(Path(args.source).glob("[0-9][0-9]*_*.ipynb"))
    if not notebooks:
        parser.error(f"no notebooks in {args.source}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        if args.execute:
            from course_utils.tools.execute import run

            run(path, save=True)
        for name, png in key_figures(nbformat.read(path, as_version=4)).items():
            target = out / f"{name}.png"
            target.write_bytes(png)
            written.append(target)
            print(f"{path.name} -> {target}")
    return written


if __name__ == "__main__":
    main()
