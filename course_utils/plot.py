"""Plot helpers: each takes ``ax=None``, draws on it, and returns it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes


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
        ['train_loss']
        >>> plt.close("all")
    """
    if not curves:
        raise ValueError("plot_losses: curves is empty; pass e.g. {'train_loss': [...]}")
    ax = _axes(ax)
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, label=name)
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
