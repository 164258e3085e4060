"""The course's plot style, a way to show a figure with its description, and plot helpers.

The helpers take ``ax=None``, draw on it, and return it.
"""

from __future__ import annotations

import base64
import io
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import torch
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: Seven colours of the Okabe-Ito palette, which stay distinct under the common colour-vision
#: deficiencies (its yellow is left out: it is too light for lines on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
#: A line style for each colour, so that no line is told from another by its colour alone.
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)))

#: The course's style: 12-point text (16 pixels, as large as a web page's body text), black text and
#: axes, the palette with its line styles, no top and right spines.
STYLE: dict[str, Any] = {
    "font.size": 12,
    "axes.prop_cycle": cycler(color=PALETTE) + cycler(linestyle=LINE_STYLES),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 13,
    "axes.titlelocation": "left",
    "lines.linewidth": 1.8,
    "legend.frameon": False,
    "figure.dpi": 100,
    "image.cmap": "viridis",
}


def use_course_style() -> None:
    """Apply ``STYLE`` to every figure drawn from now on (``plt.rcParams``).

    Example:
        >>> use_course_style()
        >>> plt.rcParams["font.size"], plt.rcParams["axes.prop_cycle"].by_key()["color"][0]
        (12.0, '#0072B2')
        >>> plt.rcdefaults()
    """
    plt.style.use(STYLE)


def png(fig: Figure) -> tuple[str, dict[str, int]]:
    """``fig`` as a base64 PNG at twice its resolution, and the size to show it at, in pixels.

    Shown at half its pixel size, the picture is sharp on a high-density screen and the same size
    as a plain PNG elsewhere.

    Example:
        >>> fig = plt.figure(figsize=(3, 2), dpi=100)
        >>> data, size = png(fig)
        >>> pixels = base64.b64decode(data)
        >>> pixels[:4], int.from_bytes(pixels[16:20], "big") == 2 * size["width"]
        (b'\\x89PNG', True)
        >>> plt.close(fig)
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"png: fig must be a matplotlib Figure, got {type(fig).__name__}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=2 * fig.dpi, bbox_inches="tight", pil_kwargs={"optimize": True})
    data = buffer.getvalue()
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return base64.b64encode(data).decode("ascii"), {"width": width // 2, "height": height // 2}


def show(fig: Figure | None = None, *, alt: str) -> None:
    """Show ``fig`` (the current figure by default) with ``alt``, a description of it, then close it.

    In a notebook the figure is displayed as a sharp PNG (see ``png``) whose metadata carries
    ``alt``: screen readers, nbconvert's HTML and the course website read it there, and pages that
    show no pictures show the description instead. Elsewhere ``plt.show()`` shows it as usual.

    Args:
        fig: the figure; the current one if ``None``.
        alt: what the picture shows, in a sentence or two (its takeaway, not only its axes).
    """
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"show: alt must describe the picture in words, got {alt!r}")
    fig = plt.gcf() if fig is None else fig
    if not isinstance(fig, Figure):
        raise TypeError(f"show: fig must be a matplotlib Figure or None, got {type(fig).__name__}")
    from IPython import get_ipython

    if get_ipython() is None:  # a plain Python session: matplotlib's own window, where there is one
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "FigureCanvasAgg is non-interactive")
            plt.show()
        return
    display_png(*png(fig), alt=alt)
    plt.close(fig)


def display_png(data: str, size: Mapping[str, int], *, alt: str) -> None:
    """Display a base64 PNG from ``png`` at ``size``, with ``alt`` in its metadata and as its text."""
    from IPython.display import display

    display({"image/png": data, "text/plain": alt}, raw=True, metadata={"image/png": {**size, "alt": alt}})


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        return plt.gca()
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def plot_losses(curves: Mapping[str, Sequence[float]], *, ax: Axes | None = None, log: bool = True) -> Axes:
    """Draw one learning curve per entry of ``curves`` (e.g. a ``fit`` history).

    Args:
        curves: name to per-epoch values, e.g. ``{"train_loss": [...], "val_loss": [...]}``.
        ax: the axes to draw on (the current ones if ``None``).
        log: use a logarithmic loss axis.

    Example:
        >>> ax = plot_losses({"train_loss": [3.0, 2.0, 1.5]})
        >>> [line.get_label() for line in ax.get_lines()]
        ['train loss']
        >>> plt.close("all")
    """
    if not curves:
        raise ValueError("plot_losses: curves is empty; pass e.g. {'train_loss': [...]}")
    ax = _axes(ax)
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, label=name.replace("_", " "))
    ax.set(xlabel="epoch", ylabel="loss", yscale="log" if log else "linear")
    ax.legend()
    return ax


def plot_fit(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    grid: torch.Tensor | None = None,
    curves: Mapping[str, torch.Tensor] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Scatter the data ``(x, y)`` and draw curves (truth, fits) over ``grid``.

    Args:
        x, y: the observations, 1-D tensors of the same length.
        grid: the x values of the curves, 1-D.
        curves: label to y values on ``grid`` (e.g. ``{"truth": ..., "MLP": ...}``).
        ax: the axes to draw on (the current ones if ``None``).

    Example:
        >>> grid = torch.linspace(0, 1, 5)
        >>> ax = plot_fit(grid, grid, grid=grid, curves={"identity": grid})
        >>> len(ax.get_lines())
        1
        >>> plt.close("all")
    """
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(
            f"plot_fit: x and y must be 1-D of the same length, got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    if curves and grid is None:
        raise ValueError("plot_fit: curves given without grid; pass grid=the x values")
    ax = _axes(ax)
    ax.scatter(x.detach().cpu(), y.detach().cpu(), s=12, color="0.4", label="data")
    if grid is not None:
        for label, values in (curves or {}).items():
            ax.plot(grid.detach().cpu(), values.detach().cpu(), label=label)
    ax.set(xlabel="x", ylabel="y")
    ax.legend()
    return ax
