"""Teaching diagrams: pictures of an idea drawn with boxes, arrows and grids.

Each function draws one diagram on a new :class:`matplotlib.figure.Figure` (not registered with
pyplot, so nothing else changes) and returns it. :data:`ALT_TEXT` says in words what each picture
shows. Usage (from the repository root)::

    python -m course_utils.diagrams                      # writes figures/diagrams/NAME.png
    python -m course_utils.diagrams --folder some/folder

In a notebook, :func:`markdown_image` puts a diagram inside a Markdown cell as an attachment.
"""

from __future__ import annotations

import argparse
import base64
import io
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

#: The colours of the diagrams: one per role, the same in every picture.
BLUE, ORANGE, GREEN, GREY, RED = "#9ecae1", "#fdae6b", "#a1d99b", "0.88", "#d62728"
INK = "0.15"

Point = tuple[float, float]


# --- drawing helpers: the canvas is measured in inches, (0, 0) at the bottom left -------------------


def _canvas(width: float, height: float) -> tuple[Figure, Axes]:
    """A blank figure of ``width`` x ``height`` inches whose data coordinates are inches."""
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, width), ylim=(0, height))
    ax.set_axis_off()
    return fig, ax


def _box(
    ax: Axes, center: Point, size: Point, text: str, *, color: str = "white", fontsize: float = 9
) -> None:
    """A rounded box with centred text."""
    (x, y), (width, height) = center, size
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0,rounding_size=0.08",
            facecolor=color,
            edgecolor=INK,
            linewidth=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax: Axes, start: Point, end: Point, *, color: str = INK, linestyle: str = "-") -> None:
    """An arrow from ``start`` to ``end``."""
    style = {"arrowstyle": "-|>", "color": color, "linestyle": linestyle, "shrinkA": 0, "shrinkB": 0}
    ax.annotate("", xy=end, xytext=start, arrowprops={**style, "mutation_scale": 12, "linewidth": 1.2})


def _cell(ax: Axes, corner: Point, size: float, text: str, color: str, *, faded: bool = False) -> None:
    """A square cell with its top-left corner at ``corner``; a faded cell is a repeated copy."""
    x, y = corner
    ax.add_patch(
        Rectangle(
            (x, y - size),
            size,
            size,
            facecolor=color,
            alpha=0.35 if faded else 1.0,
            edgecolor=INK,
            linestyle="--" if faded else "-",
            linewidth=0.8,
        )
    )
    ax.text(
        x + size / 2, y - size / 2, text, ha="center", va="center", fontsize=9, color="0.5" if faded else INK
    )


def _bracket(
    ax: Axes, left: float, right: float, y: float, text: str, *, color: str = INK, below: bool = False
):
    """A horizontal bracket from ``left`` to ``right`` at height ``y``, labelled above (or below) it."""
    tick = 0.08 if below else -0.08
    ax.plot([left, left, right, right], [y + tick, y, y, y + tick], color=color, linewidth=1.2)
    offset, align = (-0.06, "top") if below else (0.06, "bottom")
    ax.text((left + right) / 2, y + offset, text, ha="center", va=align, fontsize=8.5, color=color)


# --- the diagrams ---------------------------------------------------------------------------------


def broadcasting() -> Figure:
    """A (3, 1) column plus a (1, 4) row: both are stretched to (3, 4) and added element by element.

    Example:
        >>> fig = broadcasting()
        >>> [text.get_text() for text in fig.axes[0].texts][-1]
        'a + b: shape (3, 4)'
    """
    fig, ax = _canvas(7.4, 2.7)
    column, row, size, top = [0, 10, 20], [0, 1, 2, 3], 0.42, 2.05
    grids = [(0.3, "a", BLUE, "a: shape (3, 1)"), (2.85, "b", ORANGE, "b: shape (1, 4)")]
    for left, name, color, label in grids:
        for i in range(3):
            for j in range(4):
                value, original = (column[i], j == 0) if name == "a" else (row[j], i == 0)
                _cell(ax, (left + j * size, top - i * size), size, str(value), color, faded=not original)
        ax.text(left + 2 * size, top + 0.12, label, ha="center", fontsize=10)
    for i in range(3):
        for j in range(4):
            _cell(ax, (5.4 + j * size, top - i * size), size, str(column[i] + row[j]), GREEN)
    ax.text(2.45, top - 1.5 * size, "+", ha="center", va="center", fontsize=18)
    ax.text(5.0, top - 1.5 * size, "=", ha="center", va="center", fontsize=18)
    ax.text(0.3 + 2 * size, 0.58, "column repeated along dim 1", ha="center", fontsize=8.5, color="0.4")
    ax.text(2.85 + 2 * size, 0.58, "row repeated along dim 0", ha="center", fontsize=8.5, color="0.4")
    ax.text(
        3.7,
        0.18,
        "Sizes are compared from the right; a size 1 is stretched to match (dashed: no copy is made).",
        ha="center",
        fontsize=9,
    )
    ax.text(5.4 + 2 * size, top + 0.12, "a + b: shape (3, 4)", ha="center", fontsize=10)
    return fig


#: The nodes of :func:`computational_graph`: name, drawn text, centre, and the nodes it comes from.
GRAPH_NODES = {
    "x": ("x\nleaf", (0.75, 2.55), ()),
    "y": ("y\nleaf", (0.75, 1.15), ()),
    "a": ("a = x * y\ngrad_fn: MulBackward0", (2.9, 1.45), ("x", "y")),
    "s": ("s = sin(x)\ngrad_fn: SinBackward0", (2.9, 2.85), ("x",)),
    "t": ("t = a + s\ngrad_fn: AddBackward0", (5.05, 2.15), ("a", "s")),
    "z": ("z = t ** 2\ngrad_fn: PowBackward0", (7.2, 2.15), ("t",)),
}


def computational_graph() -> Figure:
    """The graph autograd records for ``z = (x*y + sin(x))**2``, with each node's ``grad_fn``.

    Example:
        >>> fig = computational_graph()
        >>> sum("Backward0" in text.get_text() for text in fig.axes[0].texts)
        4
    """
    fig, ax = _canvas(8.2, 3.6)
    sizes = {"x": (1.0, 0.6), "y": (1.0, 0.6)}
    for name, (text, center, inputs) in GRAPH_NODES.items():
        size = sizes.get(name, (1.8, 0.62))
        _box(ax, center, size, text, color=GREEN if name in sizes else BLUE)
        for source in inputs:
            (x0, y0), (x1, y1) = GRAPH_NODES[source][1], center
            start_width = sizes.get(source, (1.8, 0.62))[0]
            _arrow(ax, (x0 + start_width / 2, y0), (x1 - size[0] / 2, y1 + 0.12 * (y0 - y1)))
    title = "forward: z = (x*y + sin(x))**2, each blue box one operation, each arrow a tensor"
    ax.text(4.0, 3.35, title, ha="center", fontsize=10)
    ax.text(0.75, 0.62, "requires_grad=True\ngrad_fn=None", ha="center", va="top", fontsize=8, color="0.35")
    _arrow(ax, (7.6, 0.55), (2.0, 0.55), color=RED, linestyle="--")
    ax.text(
        4.8,
        0.65,
        "backward: z.backward() runs the arrows in reverse, from z to the leaves,\n"
        "each grad_fn applying its part of the chain rule; the result lands in x.grad and y.grad",
        ha="center",
        va="bottom",
        fontsize=8.5,
        color=RED,
    )
    return fig


#: The layer sizes of :func:`mlp_shapes`: ``nn.Linear(1, 64)``, ``nn.Linear(64, 64)``, ``nn.Linear(64, 1)``.
MLP_SIZES = (1, 64, 64, 1)


def mlp_shapes() -> Figure:
    """The layers of an MLP 1 -> 64 -> 64 -> 1, the tensor shapes between them and each weight's shape.

    Example:
        >>> fig = mlp_shapes()
        >>> [text.get_text() for text in fig.axes[0].texts if text.get_text().startswith("weight")]
        ['weight (64, 1), bias (64,)', 'weight (64, 64), bias (64,)', 'weight (1, 64), bias (1,)']
    """
    pairs = list(pairwise(MLP_SIZES))
    layers = []
    for index, (n_in, n_out) in enumerate(pairs):
        layers.append((f"nn.Linear({n_in}, {n_out})", f"weight ({n_out}, {n_in}), bias ({n_out},)", n_out))
        if index < len(pairs) - 1:
            layers.append(("nn.ReLU()", "no parameters", n_out))
    step, height, x = 0.85, 0.46, 1.9
    fig, ax = _canvas(6.6, step * (len(layers) + 1) + 1.2)
    top = step * (len(layers) + 1) + 0.8  # where the input arrow starts
    ax.text(x, top + 0.08, "input x", ha="center", fontsize=10)
    shapes = [MLP_SIZES[0]] + [n_out for _, _, n_out in layers]
    for index, n_features in enumerate(shapes):
        start = top - index * step - (height / 2 if index else 0)
        _arrow(ax, (x, start), (x, top - (index + 1) * step + height / 2))
        ax.text(x + 0.15, start - 0.18, f"(batch, {n_features})", va="center", fontsize=9, color="C0")
    for index, (name, parameters, _) in enumerate(layers, start=1):
        is_linear = name.startswith("nn.Linear")
        _box(ax, (x, top - index * step), (1.9, height), name, color=ORANGE if is_linear else GREY)
        ax.text(
            3.2, top - index * step, parameters, va="center", fontsize=9, color=INK if is_linear else "0.45"
        )
    ax.text(x, top - (len(layers) + 1) * step + 0.1, "output", ha="center", va="top", fontsize=10)
    n_parameters = sum(n_out * n_in + n_out for n_in, n_out in pairs)
    ax.text(
        0.2,
        0.15,
        f"nn.Linear(in, out) keeps weight as (out, in) and computes x @ weight.T + bias,\n"
        f"(batch, in) -> (batch, out); {n_parameters:,} parameters in all",
        fontsize=9,
    )
    return fig


def data_split() -> Figure:
    """Training, validation and test rows, and the two usual ways information leaks between them.

    Example:
        >>> fig = data_split()
        >>> "leakage" in [text.get_text() for text in fig.axes[0].texts]
        True
    """
    fig, ax = _canvas(7.6, 4.0)
    left, width = 1.5, 5.8
    ax.text(
        3.8,
        3.72,
        "Split first; fit every statistic on the training rows; use the test rows once",
        ha="center",
    )
    parts = [
        ("training rows\n64 %", 0.64, BLUE),
        ("validation\n16 %", 0.16, ORANGE),
        ("test\n20 %", 0.2, GREY),
    ]
    scenarios = [  # label, share of the rows the scaler sees, its note, what each part is used for
        (
            "no leakage",
            0.64,
            "scaler / encoder .fit() on the training rows only",
            [("train the model", INK), ("choose the\nmodel", INK), ("score once,\nat the end", INK)],
        ),
        (
            "leakage",
            1.0,
            "scaler / encoder .fit() on ALL rows: validation and test statistics leak into training",
            [("train the model", INK), ("", INK), ("choose the model by\nits test score: it flatters", RED)],
        ),
    ]
    for bottom, (label, seen, note, uses) in zip((2.5, 0.6), scenarios, strict=True):
        color = RED if seen == 1.0 else "green"
        ax.text(0.15, bottom + 0.2, label, va="center", fontsize=11, color=color, weight="bold")
        _bracket(ax, left, left + seen * width, bottom + 0.62, note, color=RED if seen == 1.0 else INK)
        x = left
        for (text, share, fill), (use, use_color) in zip(parts, uses, strict=True):
            center = x + share * width / 2
            ax.add_patch(Rectangle((x, bottom), share * width, 0.42, facecolor=fill, edgecolor=INK))
            ax.text(center, bottom + 0.21, text, ha="center", va="center", fontsize=8.5)
            if use:
                _arrow(ax, (center, bottom - 0.22), (center, bottom), color=use_color)
                ax.text(center, bottom - 0.26, use, ha="center", va="top", fontsize=8.5, color=use_color)
            x += share * width
    return fig


#: The lengths of the sequences of :func:`packing`, sorted longest first.
PACKING_LENGTHS = (4, 2, 1)


def packing() -> Figure:
    """Three sequences padded in a (batch, time) grid, and the same steps packed time step by time step.

    Example:
        >>> fig = packing()
        >>> "batch_sizes = [3, 2, 1, 1]" in [text.get_text() for text in fig.axes[0].texts]
        True
    """
    fig, ax = _canvas(7.8, 3.1)
    names, colors, size = "abc", [BLUE, ORANGE, GREEN], 0.45
    longest, top = max(PACKING_LENGTHS), 2.35
    ax.text(0.95 + 2 * size, 2.8, "padded: (batch 3, time 4)", ha="center", fontsize=10)
    for t in range(longest):
        ax.text(0.95 + (t + 0.5) * size, top + 0.1, f"t={t}", ha="center", fontsize=8.5)
    for row, (name, length, color) in enumerate(zip(names, PACKING_LENGTHS, colors, strict=True)):
        ax.text(
            0.85, top - (row + 0.5) * size, f"{name}: length {length}", ha="right", va="center", fontsize=9
        )
        for t in range(longest):
            text, fill = (f"{name}{t}", color) if t < length else ("pad", GREY)
            _cell(ax, (0.95 + t * size, top - row * size), size, text, fill)
    n_valid = sum(PACKING_LENGTHS)
    ax.text(
        0.95 + 2 * size,
        top - 3 * size - 0.2,
        f"{len(PACKING_LENGTHS) * longest} slots: {n_valid} valid, the others padding",
        ha="center",
        va="top",
        fontsize=9,
    )
    _arrow(ax, (3.0, 1.7), (3.75, 1.7))
    ax.text(3.37, 1.8, "pack", ha="center", fontsize=9)
    batch_sizes = [sum(length > t for length in PACKING_LENGTHS) for t in range(longest)]
    ax.text(
        3.9 + n_valid * size / 2, 2.8, f"PackedSequence.data: ({n_valid}, features)", ha="center", fontsize=10
    )
    x = 3.9
    for t, count in enumerate(batch_sizes):
        for row in range(count):
            _cell(ax, (x + row * size, 1.92), size, f"{names[row]}{t}", colors[row])
        _bracket(ax, x + 0.04, x + count * size - 0.04, 1.35, f"t={t}: {count}", below=True)
        x += count * size
    ax.text(
        3.9 + n_valid * size / 2, 0.6, f"batch_sizes = {batch_sizes}", ha="center", fontsize=10, color="C0"
    )
    ax.text(3.9, 0.2, "sorted longest first; each time step stores the sequences still running", ha="center")
    return fig


#: Each diagram's function, by name.
DIAGRAMS: dict[str, Callable[[], Figure]] = {
    "broadcasting": broadcasting,
    "computational_graph": computational_graph,
    "mlp_shapes": mlp_shapes,
    "data_split": data_split,
    "packing": packing,
}

#: What each diagram shows, in words: the alt text of its image.
ALT_TEXT: dict[str, str] = {
    "broadcasting": (
        "Broadcasting a + b: a column a of shape (3, 1) holding 0, 10, 20 is repeated along its columns "
        "and a row b of shape (1, 4) holding 0, 1, 2, 3 is repeated along its rows, so both become (3, 4) "
        "and add element by element into a (3, 4) result whose rows are 0 to 3, 10 to 13 and 20 to 23."
    ),
    "computational_graph": (
        "The graph autograd records for z = (x·y + sin(x))²: the leaves x and y feed a product node "
        "(MulBackward0), x also feeds a sine node (SinBackward0), both feed a sum node (AddBackward0) and "
        "that a square node (PowBackward0) that gives z. Solid arrows run forward from the leaves to z; "
        "a dashed arrow says that backward runs them in reverse, from z to x.grad and y.grad."
    ),
    "mlp_shapes": (
        "An MLP drawn top to bottom: Linear(1, 64), ReLU, Linear(64, 64), ReLU, Linear(64, 1), the tensor "
        "going from (batch, 1) to (batch, 64) through the hidden layers and back to (batch, 1). Each "
        "Linear's weight has shape (out, in): (64, 1), (64, 64) and (1, 64), with biases (64,), (64,) and "
        "(1,), 4,353 parameters in all."
    ),
    "data_split": (
        "Two bars split the rows into training 64 %, validation 16 % and test 20 %. Without leakage the "
        "scaler and encoder are fitted on the training rows only, the model is chosen on the validation "
        "rows and the test rows are scored once at the end; with leakage the scaler and encoder are "
        "fitted on all rows and the model is chosen by its test score."
    ),
    "packing": (
        "Three sequences of lengths 4, 2 and 1, sorted longest first, shown as a padded grid of batch 3 "
        "by time 4 with 5 padding cells, and packed: the 7 valid steps stored time step by time step, "
        "a0 b0 c0, then a1 b1, then a2, then a3, with batch_sizes 3, 2, 1, 1."
    ),
}

#: The resolution of the PNG files, in dots per inch.
DPI = 100


def _png(name: str) -> bytes:
    """The PNG bytes of diagram ``name``; no software version is written into the file."""
    if name not in DIAGRAMS:
        raise ValueError(f"unknown diagram {name!r}; choose one of {sorted(DIAGRAMS)}")
    buffer = io.BytesIO()
    DIAGRAMS[name]().savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def write_all(folder: str | Path = "figures/diagrams") -> list[Path]:
    """Save every diagram as ``folder/NAME.png``; return the paths written.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     [path.name for path in write_all(folder)]
        ['broadcasting.png', 'computational_graph.png', 'mlp_shapes.png', 'data_split.png', 'packing.png']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in DIAGRAMS:
        path = folder / f"{name}.png"
        path.write_bytes(_png(name))
        paths.append(path)
    return paths


def _escape_markdown(text: str) -> str:
    """``text`` with the characters that Markdown would read as markup escaped by a backslash."""
    return "".join("\\" + char if char in "\\`*_[]<>" else char for char in text)


def markdown_image(name: str) -> tuple[str, dict[str, dict[str, str]]]:
    """A Markdown cell's source showing diagram ``name``, and the cell's ``attachments``.

    The picture travels inside the notebook, so it shows in Colab, JupyterLab and VS Code
    without a file next to the notebook. Put both into a cell with
    ``nbformat.v4.new_markdown_cell(source, attachments=attachments)``.

    Args:
        name: one of the keys of :data:`DIAGRAMS`.

    Returns:
        ``(source, attachments)``: ``![alt text](attachment:NAME.png)`` and
        ``{"NAME.png": {"image/png": base64 text}}``.

    Example:
        >>> source, attachments = markdown_image("packing")
        >>> source.endswith("](attachment:packing.png)"), list(attachments)
        (True, ['packing.png'])
    """
    attachment = f"{name}.png"
    data = base64.b64encode(_png(name)).decode("ascii")
    return f"![{_escape_markdown(ALT_TEXT[name])}](attachment:{attachment})", {
        attachment: {"image/png": data}
    }


def main(argv: Sequence[str] | None = None) -> list[Path]:
    """The command line: ``python -m course_utils.diagrams [--folder FOLDER]``; returns the files written."""
    parser = argparse.ArgumentParser(prog="python -m course_utils.diagrams", description="Draw the diagrams.")
    parser.add_argument("--folder", default="figures/diagrams", help="where to write NAME.png")
    args = parser.parse_args(argv)
    paths = write_all(args.folder)
    for path in paths:
        print(f"{path} ({path.stat().st_size / 1000:.0f} kB)")
    return paths


if __name__ == "__main__":
    main()
