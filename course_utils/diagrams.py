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
from PIL import Image

#: The Okabe-Ito palette, which stays distinct under the common kinds of colour blindness. Colour
#: never carries a meaning alone: a word, a symbol or a line style says the same.
BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
PURPLE, SKY_BLUE, YELLOW, BLACK = "#CC79A7", "#56B4E9", "#F0E442", "#000000"
#: A neutral fill for what holds nothing learnt (padding, a ReLU), and the two colours of text: ink,
#: and a lighter ink for the repeated copies of broadcasting (7:1 against white, 4.5:1 needed).
GREY, INK, FADED_INK = "#E0E0E0", BLACK, "#595959"

#: The width at which a diagram is shown, in pixels per inch of the figure (its 1x size), and the
#: resolution of the PNG files: twice as many pixels, so that the lines stay sharp on 2x screens.
DISPLAY_DPI = 100
DPI = 2 * DISPLAY_DPI
#: Font sizes in points: 12 pt is 12 * 100 / 72 = 16.7 pixels at the 1x size, no smaller than the
#: 16 px of a web page's body text.
FONTSIZE, TITLE_FONTSIZE, SYMBOL_FONTSIZE = 12, 13.5, 22

Point = tuple[float, float]


# --- drawing helpers: the canvas is measured in inches, (0, 0) at the bottom left -------------------


def _canvas(width: float, height: float) -> tuple[Figure, Axes]:
    """A blank white figure of ``width`` x ``height`` inches whose data coordinates are inches."""
    fig = Figure(figsize=(width, height), facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, width), ylim=(0, height))
    ax.set_axis_off()
    return fig, ax


def _box(ax: Axes, center: Point, size: Point, text: str, *, color: str = "white") -> None:
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
    ax.text(x, y, text, ha="center", va="center", fontsize=FONTSIZE, color=INK)


def _arrow(ax: Axes, start: Point, end: Point, *, color: str = INK, linestyle: str = "-") -> None:
    """An arrow from ``start`` to ``end``: the tip of its head lies exactly on ``end``."""
    style = {"arrowstyle": "-|>", "color": color, "linestyle": linestyle, "shrinkA": 0, "shrinkB": 0}
    ax.annotate("", xy=end, xytext=start, arrowprops={**style, "mutation_scale": 14, "linewidth": 1.5})


def _cell(ax: Axes, corner: Point, size: float, text: str, color: str, *, faded: bool = False) -> None:
    """A square cell with its top-left corner at ``corner``; a faded cell is a repeated copy."""
    x, y = corner
    ax.add_patch(
        Rectangle(
            (x, y - size),
            size,
            size,
            facecolor=color,
            alpha=0.3 if faded else 1.0,
            edgecolor=INK,
            linestyle="--" if faded else "-",
            linewidth=0.8,
        )
    )
    ax.text(
        x + size / 2,
        y - size / 2,
        text,
        ha="center",
        va="center",
        fontsize=FONTSIZE,
        color=FADED_INK if faded else INK,
    )


def _bracket(
    ax: Axes,
    left: float,
    right: float,
    y: float,
    text: str,
    *,
    color: str = INK,
    linestyle: str = "-",
    below: bool = False,
) -> None:
    """A horizontal bracket from ``left`` to ``right`` at height ``y``, labelled above (or below) it."""
    tick = 0.1 if below else -0.1
    ax.plot(
        [left, left, right, right],
        [y + tick, y, y, y + tick],
        color=color,
        linestyle=linestyle,
        linewidth=1.5,
    )
    offset, align = (-0.06, "top") if below else (0.06, "bottom")
    ax.text((left + right) / 2, y + offset, text, ha="center", va=align, fontsize=FONTSIZE, color=INK)


# --- the diagrams ---------------------------------------------------------------------------------


def broadcasting() -> Figure:
    """A (3, 1) column plus a (1, 4) row: both are stretched to (3, 4) and added element by element.

    Example:
        >>> fig = broadcasting()
        >>> [text.get_text() for text in fig.axes[0].texts][-1]
        'a + b: shape (3, 4)'
    """
    fig, ax = _canvas(8.6, 3.35)
    column, row, size, top = [0, 10, 20], [0, 1, 2, 3], 0.5, 2.8
    lefts = {"a": 0.3, "b": 3.3, "a + b": 6.3}
    grids = [("a", SKY_BLUE, "a: shape (3, 1)"), ("b", ORANGE, "b: shape (1, 4)")]
    for name, color, label in grids:
        left = lefts[name]
        for i in range(3):
            for j in range(4):
                value, original = (column[i], j == 0) if name == "a" else (row[j], i == 0)
                _cell(ax, (left + j * size, top - i * size), size, str(value), color, faded=not original)
        ax.text(left + 2 * size, top + 0.1, label, ha="center", fontsize=TITLE_FONTSIZE, color=INK)
    for i in range(3):
        for j in range(4):
            _cell(ax, (lefts["a + b"] + j * size, top - i * size), size, str(column[i] + row[j]), GREEN)
    middle = top - 1.5 * size
    for x, symbol in ((2.8, "+"), (5.8, "=")):
        ax.text(x, middle, symbol, ha="center", va="center", fontsize=SYMBOL_FONTSIZE, color=INK)
    for name, note in (("a", "column repeated\nalong dim 1"), ("b", "row repeated\nalong dim 0")):
        ax.text(
            lefts[name] + 2 * size,
            top - 3 * size - 0.1,
            note,
            ha="center",
            va="top",
            fontsize=FONTSIZE,
            color=INK,
        )
    ax.text(
        4.3,
        0.15,
        "Sizes are compared from the right; a size 1 is stretched to match.\n"
        "Dashed cells are repeats that are never stored: broadcasting makes no copy in memory.",
        ha="center",
        fontsize=FONTSIZE,
        color=INK,
    )
    ax.text(
        lefts["a + b"] + 2 * size,
        top + 0.1,
        "a + b: shape (3, 4)",
        ha="center",
        fontsize=TITLE_FONTSIZE,
        color=INK,
    )
    return fig


#: The nodes of :func:`computational_graph`: name, drawn text, centre, and the nodes it comes from.
GRAPH_NODES = {
    "x": ("x\nleaf", (1.3, 3.1), ()),
    "y": ("y\nleaf", (1.3, 1.75), ()),
    "a": ("a = x * y\ngrad_fn: MulBackward0", (3.55, 2.05), ("x", "y")),
    "s": ("s = sin(x)\ngrad_fn: SinBackward0", (3.55, 3.4), ("x",)),
    "t": ("t = a + s\ngrad_fn: AddBackward0", (6.05, 2.72), ("a", "s")),
    "z": ("z = t ** 2\ngrad_fn: PowBackward0", (8.6, 2.72), ("t",)),
}
#: The sizes of the boxes of :func:`computational_graph`: a leaf, and an operation.
LEAF_SIZE, OPERATION_SIZE = (1.0, 0.66), (2.2, 0.66)


def computational_graph() -> Figure:
    """The graph autograd records for ``z = (x*y + sin(x))**2``, with each node's ``grad_fn``.

    Example:
        >>> fig = computational_graph()
        >>> sum("Backward0" in text.get_text() for text in fig.axes[0].texts)
        4
    """
    fig, ax = _canvas(9.9, 4.65)
    size = {name: OPERATION_SIZE if inputs else LEAF_SIZE for name, (_, _, inputs) in GRAPH_NODES.items()}
    for name, (text, center, inputs) in GRAPH_NODES.items():
        _box(ax, center, size[name], text, color=SKY_BLUE if inputs else GREEN)
        for source in inputs:
            (x0, y0), (x1, y1) = GRAPH_NODES[source][1], center
            _arrow(ax, (x0 + size[source][0] / 2, y0), (x1 - size[name][0] / 2, y1 + 0.12 * (y0 - y1)))
    ax.text(
        4.95,
        4.5,
        "forward: z = (x*y + sin(x))**2\n"
        "each box with a grad_fn is one operation (a node); each arrow carries a tensor",
        ha="center",
        va="top",
        fontsize=TITLE_FONTSIZE,
        color=INK,
    )
    (leaf_x, y_leaf), (leaf_width, leaf_height) = GRAPH_NODES["y"][1], LEAF_SIZE
    ax.text(
        0.5,
        y_leaf - leaf_height / 2 - 0.1,
        "leaves: requires_grad=True,\ngrad_fn=None",
        va="top",
        fontsize=FONTSIZE,
        color=INK,
    )
    # backward: from z down and back along the bottom, then up a rail with an arrow into each leaf
    (z_x, z_y), rail, floor = GRAPH_NODES["z"][1], 0.3, 0.72
    ax.plot(
        [z_x, z_x, rail, rail],
        [z_y - OPERATION_SIZE[1] / 2, floor, floor, GRAPH_NODES["x"][1][1]],
        color=VERMILLION,
        linestyle="--",
        linewidth=1.5,
    )
    for leaf in ("x", "y"):
        height = GRAPH_NODES[leaf][1][1]
        _arrow(ax, (rail, height), (leaf_x - leaf_width / 2, height), color=VERMILLION, linestyle="--")
    ax.text(
        4.95,
        floor - 0.08,
        "backward: z.backward() runs the arrows in reverse, from z back to the leaves;\n"
        "each grad_fn applies its part of the chain rule, and the results land in x.grad and y.grad",
        ha="center",
        va="top",
        fontsize=FONTSIZE,
        color=INK,
    )
    return fig


#: The layer sizes of :func:`mlp_shapes`: those of ``make_mlp()`` in lesson 04, ``nn.Linear(1, 10)``,
#: ``nn.Linear(10, 10)`` twice and ``nn.Linear(10, 1)``, with a ReLU after each but the last.
MLP_SIZES = (1, 10, 10, 10, 1)


def mlp_shapes() -> Figure:
    """The layers of the MLP 1 -> 10 -> 10 -> 10 -> 1, the tensor shapes between them, each weight's shape.

    Example:
        >>> fig = mlp_shapes()
        >>> [text.get_text() for text in fig.axes[0].texts if text.get_text().startswith("weight")]
        ['weight (10, 1), bias (10,)', 'weight (10, 10), bias (10,)', 'weight (10, 10), bias (10,)', \
'weight (1, 10), bias (1,)']
    """
    pairs = list(pairwise(MLP_SIZES))
    layers = []
    for index, (n_in, n_out) in enumerate(pairs):
        layers.append((f"nn.Linear({n_in}, {n_out})", f"weight ({n_out}, {n_in}), bias ({n_out},)", n_out))
        if index < len(pairs) - 1:
            layers.append(("nn.ReLU()", "no parameters", n_out))
    step, height, x = 0.72, 0.44, 1.7
    footer = 1.2  # the sentence at the bottom and the word "output" above it
    top = footer + step * (len(layers) + 1) - height / 2  # where the input arrow starts
    fig, ax = _canvas(5.6, top + 0.4)
    ax.text(x, top + 0.08, "input x", ha="center", fontsize=TITLE_FONTSIZE, color=INK)
    shapes = [MLP_SIZES[0]] + [n_out for _, _, n_out in layers]
    for index, n_features in enumerate(shapes):
        start = top - index * step - (height / 2 if index else 0)
        end = top - (index + 1) * step + height / 2
        _arrow(ax, (x, start), (x, end))
        label = f"(batch, {n_features})"
        ax.text(x + 0.15, (start + end) / 2, label, va="center", fontsize=FONTSIZE, color=BLUE)
    for index, (name, parameters, _) in enumerate(layers, start=1):
        is_linear = name.startswith("nn.Linear")
        _box(ax, (x, top - index * step), (1.9, height), name, color=ORANGE if is_linear else GREY)
        ax.text(3.0, top - index * step, parameters, va="center", fontsize=FONTSIZE, color=INK)
    bottom = top - (len(layers) + 1) * step + height / 2  # where the output arrow ends
    ax.text(x, bottom - 0.06, "output", ha="center", va="top", fontsize=TITLE_FONTSIZE, color=INK)
    n_parameters = sum(n_out * n_in + n_out for n_in, n_out in pairs)
    ax.text(
        0.2,
        0.15,
        "nn.Linear(in, out) keeps weight as (out, in) and\n"
        "computes x @ weight.T + bias: (batch, in) -> (batch, out);\n"
        f"{n_parameters:,} parameters in all",
        fontsize=FONTSIZE,
        color=INK,
    )
    return fig


def _tick(ax: Axes, center: Point, color: str) -> None:
    """A tick mark drawn as lines, about 0.2 inch wide."""
    x, y = center
    ax.plot([x - 0.1, x - 0.03, x + 0.11], [y, y - 0.08, y + 0.1], color=color, linewidth=3)


def _cross(ax: Axes, center: Point, color: str) -> None:
    """A cross drawn as lines, about 0.2 inch wide."""
    x, y = center
    for sign in (1, -1):
        ax.plot([x - 0.09, x + 0.09], [y - sign * 0.09, y + sign * 0.09], color=color, linewidth=3)


def data_split() -> Figure:
    """Training, validation and test rows, and the two usual ways information leaks between them.

    Example:
        >>> fig = data_split()
        >>> "leakage" in [text.get_text() for text in fig.axes[0].texts]
        True
    """
    fig, ax = _canvas(9.6, 4.6)
    left, width, height = 1.75, 7.35, 0.55
    ax.text(
        4.8,
        4.45,
        "Split first; fit every statistic on the training rows; use the test rows once",
        ha="center",
        va="top",
        fontsize=TITLE_FONTSIZE,
        color=INK,
    )
    parts = [
        ("fitting\n64 %", 0.64, SKY_BLUE),
        ("validation\n16 %", 0.16, ORANGE),
        ("test\n20 %", 0.2, PURPLE),
    ]
    scenarios = [  # label, its mark, share of the rows the scaler sees, its note, what each part is for
        (
            "no leakage",
            _tick,
            0.64,
            "scaler / encoder .fit() on the training rows only",
            ["train the model", "choose the\nmodel", "score once,\nat the end"],
        ),
        (
            "leakage",
            _cross,
            1.0,
            "scaler / encoder .fit() on ALL rows:\nvalidation and test statistics leak into training",
            ["train the model", "", "choose the model by\nits test score: it flatters"],
        ),
    ]
    for bottom, (label, mark, seen, note, uses) in zip((2.95, 0.85), scenarios, strict=True):
        leaks = seen == 1.0
        color, linestyle = (VERMILLION, "--") if leaks else (BLUE, "-")
        mark(ax, (0.3, bottom + height / 2), color)
        ax.text(0.5, bottom + height / 2, label, va="center", fontsize=FONTSIZE, color=INK, weight="bold")
        _bracket(ax, left, left + seen * width, bottom + height + 0.2, note, color=color, linestyle=linestyle)
        x = left
        for (text, share, fill), use in zip(parts, uses, strict=True):
            center = x + share * width / 2
            ax.add_patch(Rectangle((x, bottom), share * width, height, facecolor=fill, edgecolor=INK))
            ax.text(center, bottom + height / 2, text, ha="center", va="center", fontsize=FONTSIZE, color=INK)
            if use:
                wrong = leaks and "test score" in use
                _arrow(
                    ax,
                    (center, bottom - 0.28),
                    (center, bottom),
                    color=VERMILLION if wrong else INK,
                    linestyle="--" if wrong else "-",
                )
                ax.text(center, bottom - 0.32, use, ha="center", va="top", fontsize=FONTSIZE, color=INK)
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
    fig, ax = _canvas(9.3, 3.6)
    names, colors, size = "abc", [SKY_BLUE, ORANGE, GREEN], 0.52
    longest, top, grid = max(PACKING_LENGTHS), 2.75, 1.2
    ax.text(
        grid + 2 * size, 3.3, "padded: (batch 3, time 4)", ha="center", fontsize=TITLE_FONTSIZE, color=INK
    )
    for t in range(longest):
        ax.text(grid + (t + 0.5) * size, top + 0.08, f"t={t}", ha="center", fontsize=FONTSIZE, color=INK)
    for row, (name, length, color) in enumerate(zip(names, PACKING_LENGTHS, colors, strict=True)):
        ax.text(
            grid - 0.1,
            top - (row + 0.5) * size,
            f"{name}: length {length}",
            ha="right",
            va="center",
            fontsize=FONTSIZE,
            color=INK,
        )
        for t in range(longest):
            text, fill = (f"{name}{t}", color) if t < length else ("pad", GREY)
            _cell(ax, (grid + t * size, top - row * size), size, text, fill)
    n_valid = sum(PACKING_LENGTHS)
    ax.text(
        grid + 2 * size,
        top - 3 * size - 0.12,
        f"{len(PACKING_LENGTHS) * longest} slots: {n_valid} valid,\nthe others padding",
        ha="center",
        va="top",
        fontsize=FONTSIZE,
        color=INK,
    )
    packed, row_top = 5.45, top - size
    _arrow(ax, (grid + longest * size + 0.2, row_top - size / 2), (packed - 0.2, row_top - size / 2))
    ax.text(
        (grid + longest * size + packed) / 2,
        row_top - size / 2 + 0.1,
        "pack",
        ha="center",
        fontsize=FONTSIZE,
        color=INK,
    )
    batch_sizes = [sum(length > t for length in PACKING_LENGTHS) for t in range(longest)]
    ax.text(
        packed + n_valid * size / 2,
        3.3,
        f"PackedSequence.data: ({n_valid}, features)",
        ha="center",
        fontsize=TITLE_FONTSIZE,
        color=INK,
    )
    x = packed
    for t, count in enumerate(batch_sizes):
        for row in range(count):
            _cell(ax, (x + row * size, row_top), size, f"{names[row]}{t}", colors[row])
        _bracket(ax, x + 0.05, x + count * size - 0.05, row_top - size - 0.16, f"t={t}", below=True)
        x += count * size
    ax.text(
        packed + n_valid * size / 2,
        0.95,
        f"batch_sizes = {batch_sizes}",
        ha="center",
        fontsize=TITLE_FONTSIZE,
        color=BLUE,
    )
    ax.text(
        4.65,
        0.2,
        "sorted longest first; each time step stores the sequences still running",
        ha="center",
        fontsize=FONTSIZE,
        color=INK,
    )
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
        "The graph autograd records for z = (x·y + sin(x))², one box per operation and arrows carrying "
        "tensors: the leaves x and y feed a product node (MulBackward0), x also feeds a sine node "
        "(SinBackward0), both feed a sum node (AddBackward0) and that a square node (PowBackward0) that "
        "gives z. Solid arrows run forward from the leaves to z; a dashed arrow runs backward from z to "
        "both leaves, where the gradients land in x.grad and y.grad."
    ),
    "mlp_shapes": (
        "The MLP of make_mlp drawn top to bottom: Linear(1, 10), ReLU, Linear(10, 10), ReLU, "
        "Linear(10, 10), ReLU, Linear(10, 1), the tensor going from (batch, 1) to (batch, 10) through the "
        "hidden layers and back to (batch, 1). Each Linear's weight has shape (out, in): (10, 1), "
        "(10, 10), (10, 10) and (1, 10), each bias (out,), 251 parameters in all."
    ),
    "data_split": (
        "Two bars split the rows into fitting 64 %, validation 16 % and test 20 %. Marked with a tick, "
        "no leakage: the scaler and encoder are fitted on the training rows only (the 64 % the model is "
        "fitted on), the model is chosen on the validation rows and the test rows are scored once at the "
        "end; marked with a cross, leakage: they are fitted on all rows and the model is chosen by its "
        "test score."
    ),
    "packing": (
        "Three sequences of lengths 4, 2 and 1, sorted longest first, shown as a padded grid of batch 3 "
        "by time 4 with 5 padding cells, and packed: the 7 valid steps stored time step by time step, "
        "a0 b0 c0, then a1 b1, then a2, then a3, with batch_sizes 3, 2, 1, 1."
    ),
}


def _png(name: str) -> bytes:
    """The PNG bytes of diagram ``name`` at :data:`DPI`; no software version is written into the file.

    A diagram holds a few flat colours and their anti-aliased edges, so a palette of 256 colours
    (median cut, no dithering) keeps every colour drawn exactly and the file a third of the size.
    """
    if name not in DIAGRAMS:
        raise ValueError(f"unknown diagram {name!r}; choose one of {sorted(DIAGRAMS)}")
    drawn = io.BytesIO()
    DIAGRAMS[name]().savefig(drawn, format="png", dpi=DPI)
    with Image.open(drawn) as image:
        palette = image.convert("RGB").quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="png", optimize=True, dpi=(DPI, DPI))
    return buffer.getvalue()


def display_width(name: str) -> int:
    """The width in pixels at which diagram ``name`` is shown: its 1x size, half the PNG's width.

    Example:
        >>> display_width("packing")
        930
    """
    if name not in DIAGRAMS:
        raise ValueError(f"unknown diagram {name!r}; choose one of {sorted(DIAGRAMS)}")
    return round(DIAGRAMS[name]().get_figwidth() * DISPLAY_DPI)


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

    The picture travels inside the notebook, so it needs no file next to the notebook. Put both
    into a cell with ``nbformat.v4.new_markdown_cell(source, attachments=attachments)``.

    The PNG has twice the pixels of its 1x size, for 2x screens. Markdown's image syntax cannot say
    a width, and an HTML ``<img src="attachment:...">`` is not shown by VS Code nor by nbconvert's
    HTML export, so the image stays in Markdown's syntax inside a ``<div>`` whose ``max-width`` is
    the 1x width: JupyterLab and Jupyter Notebook show the picture at its 1x size (smaller in a
    narrower cell), and where the style is dropped the picture still shows, only larger.

    Args:
        name: one of the keys of :data:`DIAGRAMS`.

    Returns:
        ``(source, attachments)``: ``![alt text](attachment:NAME.png)`` between
        ``<div style="max-width: WIDTHpx">`` and ``</div>``, each on its own paragraph, and
        ``{"NAME.png": {"image/png": base64 text}}``.

    Example:
        >>> source, attachments = markdown_image("packing")
        >>> print(source.replace(_escape_markdown(ALT_TEXT["packing"]), "ALT TEXT"))
        <div style="max-width: 930px">
        <BLANKLINE>
        ![ALT TEXT](attachment:packing.png)
        <BLANKLINE>
        </div>
        >>> list(attachments)
        ['packing.png']
    """
    attachment = f"{name}.png"
    data = base64.b64encode(_png(name)).decode("ascii")
    image = f"![{_escape_markdown(ALT_TEXT[name])}](attachment:{attachment})"
    source = f'<div style="max-width: {display_width(name)}px">\n\n{image}\n\n</div>'
    return source, {attachment: {"image/png": data}}


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
