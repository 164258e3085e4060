"""Interactive explorations: a plain function a notebook calls once, and a slider that re-runs it.

Each plain function prints a short summary with rounded numbers and draws one picture, so a
notebook can call it with fixed arguments and keep its output. Each ``*_widget`` function wraps
it in ``ipywidgets.interactive``: moving a slider (on release) calls the plain function again with
the slider's value and replaces the printed text and the picture. The widgets need ``ipywidgets``
(version 8; Colab and JupyterLab have it) and an inline matplotlib backend, the default in both.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from torch import nn

from course_utils import plot
from course_utils.context import num_threads
from course_utils.data import cubic_wave, make_cubic_wave_data, thermometer_readings

if TYPE_CHECKING:
    from ipywidgets import Widget  # type: ignore[import-untyped]  # ipywidgets ships no type hints


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, or the axes of a new pyplot figure of ``figsize`` inches."""
    if ax is None:
        return plt.subplots(figsize=figsize, layout="constrained")[1]
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _check_count(value: Any, name: str, function: str, minimum: int = 1) -> None:
    """Raise a ValueError unless ``value`` is an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{function}: {name} must be an int of at least {minimum}, got {value!r}")


def _widgets() -> Any:
    """The ipywidgets module, or an ImportError that says how to get it."""
    try:
        import ipywidgets
    except ImportError as error:  # pragma: no cover - ipywidgets is in requirements.txt
        raise ImportError("the sliders need ipywidgets: pip install 'ipywidgets>=7.7'") from error
    return ipywidgets


@functools.cache
def _exploration_class() -> type:
    """``ipywidgets.interactive`` whose display also holds a picture of its view, with its description.

    A live notebook shows the sliders; GitHub, nbconvert's HTML and the course website cannot run
    them and show the picture (of the view the notebook stored) and its description instead.
    """

    class Exploration(_widgets().interactive):  # type: ignore[misc]
        picture: dict[str, Any]

        def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
            data = super()._repr_mimebundle_(**kwargs)
            if not self.picture:
                return data, {}
            alt = self.picture["alt"]
            data["text/plain"] = f"{alt} (a slider: run the notebook to move it)"
            data["image/png"] = self.picture["data"]
            return data, {"image/png": {**self.picture["size"], "alt": alt}}

    return Exploration


def _exploration(draw: Callable[..., Axes], describe: Callable[..., str], **controls: Any) -> Widget:
    """Sliders over ``draw``: each release calls ``draw(**values)`` and shows its figure with
    ``describe(**values)`` as its alt text; the widget's display keeps a picture of the last view."""
    picture: dict[str, Any] = {}

    def show(**values: Any) -> None:
        figure = draw(**values).get_figure(root=True)
        assert isinstance(figure, Figure)
        data, size = plot.png(figure)
        picture.update(data=data, size=size, alt=describe(**values))
        from IPython import get_ipython

        if get_ipython() is not None:
            plot.display_png(data, size, alt=picture["alt"])
        plt.close(figure)

    widget = _exploration_class()(show, **controls)
    widget.picture = picture
    return widget


def _slider_style() -> dict[str, str]:
    return {"description_width": "initial"}


def _float_slider(description: str, value: float, low: float, high: float, step: float, digits: int) -> Any:
    """A slider that re-runs its exploration when released (dragging would redraw at every pixel)."""
    return _widgets().FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        readout_format=f".{digits}f",
        description=description,
        continuous_update=False,
        style=_slider_style(),
    )


# --- lesson 03: gradient descent on the thermometer data ------------------------------------------


def _thermometer_problem() -> tuple[torch.Tensor, torch.Tensor]:
    """Lesson 03's scaled readings and temperatures, in float64: ``(0.1 * unknown, celsius)``."""
    celsius, unknown = thermometer_readings()
    return 0.1 * unknown.double(), celsius.double()


def _mse(w: torch.Tensor, b: torch.Tensor, u: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the line ``w * u + b``; ``w`` and ``b`` may be grids (broadcast)."""
    return ((w[..., None] * u + b[..., None] - c) ** 2).mean(dim=-1)


def descent_path(learning_rate: float, steps: int = 20, *, ax: Axes | None = None) -> Axes:
    """Run gradient descent on lesson 03's line fit and draw its path over the loss contours.

    The model is ``w * u + b`` with ``u = 0.1 * unknown`` (the rescaled readings) and the loss
    the mean squared error against ``celsius``; it starts at ``w = 1, b = 0``. The gradient is
    the chain rule's, computed in float64. Prints the loss before and after, whether the run
    converges, and the largest stable learning rate, ``2 / largest curvature``.

    Args:
        learning_rate: the step size, a positive number (stable below about 0.033).
        steps: the number of gradient-descent steps, at least 1.
        ax: the axes to draw on; a new figure if ``None``.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = descent_path(0.02)
        learning rate 0.02, 20 steps from w = 1, b = 0
        loss 80.36 at the start, 26.42 after 20 steps (least-squares minimum 2.93)
        converges: each step multiplies the error along the steep direction by -0.213
        (stable below 2 / largest curvature = 2 / 60.65 = 0.03298)
        >>> plt.close("all")
    """
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)):
        raise ValueError(f"descent_path: learning_rate must be a number, got {learning_rate!r}")
    if not 0 < learning_rate < math.inf:
        raise ValueError(f"descent_path: learning_rate must be positive and finite, got {learning_rate!r}")
    _check_count(steps, "steps", "descent_path")
    u, c = _thermometer_problem()  # (11,), (11,)
    params = torch.tensor([1.0, 0.0], dtype=torch.float64)  # (w, b)
    path = [params]
    for _ in range(steps):
        error = params[0] * u + params[1] - c  # (11,)
        gradient = torch.stack([(2 * error * u).mean(), (2 * error).mean()])  # (dL/dw, dL/db)
        params = params - learning_rate * gradient
        if not torch.isfinite(params).all():
            break
        path.append(params)
    trajectory = torch.stack(path)  # (steps + 1, 2)
    losses = _mse(trajectory[:, 0], trajectory[:, 1], u, c)  # (steps + 1,)

    design = torch.stack([u, torch.ones_like(u)], dim=1)  # (11, 2)
    largest_curvature = torch.linalg.eigvalsh(2 * design.T @ design / len(u))[-1].item()
    best_w, best_b = torch.linalg.lstsq(design, c[:, None]).solution.flatten()
    best_loss = _mse(best_w, best_b, u, c).item()
    limit = 2 / largest_curvature

    print(f"learning rate {learning_rate:g}, {steps} steps from w = 1, b = 0")
    if len(path) <= steps:
        print(f"diverged: the parameters overflowed after {len(path)} steps")
    else:
        print(
            f"loss {losses[0]:.2f} at the start, {losses[-1]:.2f} after {steps} steps "
            f"(least-squares minimum {best_loss:.2f})"
        )
    factor = 1 - learning_rate * largest_curvature
    verdict = "converges" if abs(factor) < 1 else "diverges"
    print(f"{verdict}: each step multiplies the error along the steep direction by {factor:+.3f}")
    print(f"(stable below 2 / largest curvature = 2 / {largest_curvature:.2f} = {limit:.5f})")

    ax = _new_axes(ax, (5.5, 4))
    # The window: the valley around the minimum, widened (up to a limit) to hold the whole path.
    w_low, b_low = (
        trajectory.amin(dim=0).clamp(min=torch.tensor([-12.0, -40.0], dtype=torch.float64)).tolist()
    )
    w_high, b_high = (
        trajectory.amax(dim=0).clamp(max=torch.tensor([20.0, 20.0], dtype=torch.float64)).tolist()
    )
    w_grid, b_grid = torch.meshgrid(
        torch.linspace(min(0.0, w_low - 0.5), max(8.0, w_high + 0.5), 81, dtype=torch.float64),
        torch.linspace(min(-22.0, b_low - 1), max(4.0, b_high + 1), 81, dtype=torch.float64),
        indexing="ij",
    )  # (81, 81) each
    surface = _mse(w_grid, b_grid, u, c)  # (81, 81)
    ax.contour(w_grid, b_grid, surface, levels=np.geomspace(3, 3000, 13), cmap="viridis", norm=LogNorm())
    ax.plot(
        trajectory[:, 0],
        trajectory[:, 1],
        "o-",
        color="C3",
        linewidth=0.8,
        markersize=3,
        label=f"{len(path) - 1} steps",
    )
    ax.plot(best_w.item(), best_b.item(), "k*", markersize=12, label="least squares")
    ax.set(
        xlim=(w_grid[0, 0].item(), w_grid[-1, 0].item()),
        ylim=(b_grid[0, 0].item(), b_grid[0, -1].item()),
        xlabel="w",
        ylabel="b",
        title=f"gradient descent, learning rate {learning_rate:g}",
    )
    ax.legend(loc="lower left")
    return ax


def descent_path_widget(steps: int = 20) -> Widget:
    """A learning-rate slider (0.001 to 0.04) that re-runs :func:`descent_path` on release.

    Example:
        >>> import io, contextlib
        >>> with contextlib.redirect_stdout(io.StringIO()):  # it runs once, with the slider's value
        ...     widget = descent_path_widget()
        >>> slider = widget.children[0]
        >>> slider.description, slider.value, slider.min, slider.max
        ('learning rate', 0.01, 0.001, 0.04)
        >>> plt.close("all")
    """
    _check_count(steps, "steps", "descent_path_widget")  # a slider's callback would only log the error
    slider = _float_slider("learning rate", 0.01, 0.001, 0.04, 0.001, 3)

    def describe(learning_rate: float) -> str:
        return (
            f"Contour plot of the loss over w and b with the path of {steps} gradient-descent "
            f"steps at learning rate {round(learning_rate, 6):g} from w = 1, b = 0; "
            "the stability limit is about 0.033."
        )

    return _exploration(
        lambda learning_rate: descent_path(round(learning_rate, 6), steps), describe, learning_rate=slider
    )


# --- lesson 05: a decision threshold -------------------------------------------------------------


def _as_vector(values: Any, name: str) -> np.ndarray:
    """``values`` (a tensor, an array or a list) as a 1-D float64 NumPy array."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().double().numpy()
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"threshold_report: {name} must hold numbers, got {values!r} ({error})") from None
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"threshold_report: {name} must be 1-D and not empty, got shape {array.shape}")
    return array


def _check_classification(probabilities: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities in [0, 1] and labels 0 or 1 of the same length, as float64 arrays."""
    probabilities, labels = _as_vector(probabilities, "probabilities"), _as_vector(labels, "labels")
    if len(probabilities) != len(labels):
        raise ValueError(
            f"threshold_report: got {len(probabilities)} probabilities but {len(labels)} labels; "
            "give one label per probability"
        )
    if not ((probabilities >= 0) & (probabilities <= 1)).all():
        raise ValueError(
            "threshold_report: probabilities must lie in [0, 1]; "
            "if these are logits, pass torch.sigmoid(logits)"
        )
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(f"threshold_report: labels must be 0 or 1, got the values {np.unique(labels)[:5]}")
    return probabilities, labels


def _ratio(numerator: int, denominator: int) -> float:
    """``numerator / denominator``, or 0.0 when there is nothing to divide."""
    return numerator / denominator if denominator else 0.0


def threshold_report(
    probabilities: Any, labels: Any, threshold: float = 0.5, *, ax: Axes | None = None
) -> Axes:
    """Print precision, recall, F1, accuracy and the confusion matrix at ``threshold``; draw the matrix.

    A row is flagged positive when its probability is at least ``threshold``, as in lesson 05.
    A precision or recall with nothing to divide (no row flagged, no positive row) counts as 0.

    Args:
        probabilities: the predicted probabilities of the positive class, shape ``(n,)``: a tensor,
            a NumPy array or a list.
        labels: the true classes, 0 or 1, shape ``(n,)``.
        threshold: the decision threshold, strictly between 0 and 1.
        ax: the axes to draw on; a new figure if ``None``.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = threshold_report([0.1, 0.4, 0.35, 0.8, 0.7, 0.2], [0, 0, 1, 1, 1, 0], 0.5)
        threshold 0.5: 2 of 6 rows flagged positive
        precision 1.0000, recall 0.6667, F1 0.8000, accuracy 0.8333
                  predicted 0  predicted 1
        actual 0            3            0
        actual 1            1            2
        >>> plt.close("all")
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise ValueError(
            f"threshold_report: threshold must be a number strictly between 0 and 1, got {threshold!r}"
        )
    probabilities, labels = _check_classification(probabilities, labels)
    flagged, positive = probabilities >= threshold, labels == 1
    true_pos, false_pos = int((flagged & positive).sum()), int((flagged & ~positive).sum())
    false_neg, true_neg = int((~flagged & positive).sum()), int((~flagged & ~positive).sum())
    precision, recall = _ratio(true_pos, true_pos + false_pos), _ratio(true_pos, true_pos + false_neg)
    f1 = _ratio(2 * true_pos, 2 * true_pos + false_pos + false_neg)  # = 2PR / (P + R)
    accuracy = (true_pos + true_neg) / len(labels)

    print(f"threshold {threshold:g}: {true_pos + false_pos} of {len(labels)} rows flagged positive")
    print(f"precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f}, accuracy {accuracy:.4f}")
    print(f"{'':8}  {'predicted 0':>11}  {'predicted 1':>11}")
    print(f"actual 0  {true_neg:11d}  {false_pos:11d}")
    print(f"actual 1  {false_neg:11d}  {true_pos:11d}")

    ax = _new_axes(ax, (4.6, 3.8))
    matrix = np.array([[true_neg, false_pos], [false_neg, true_pos]])  # rows: actual, columns: predicted
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=max(1, matrix.max()))
    names = [["true negatives", "false positives"], ["false negatives", "true positives"]]
    for (row, column), count in np.ndenumerate(matrix):
        color = "white" if count > matrix.max() / 2 else "black"
        ax.text(
            column,
            row,
            f"{count}\n{names[row][column]}",
            ha="center",
            va="center",
            fontsize=11.5,
            color=color,
        )
    ax.set(
        xticks=[0, 1],
        yticks=[0, 1],
        xticklabels=["0", "1"],
        yticklabels=["0", "1"],
        xlabel="predicted",
        ylabel="actual",
        title=f"threshold {threshold:g}",
    )
    return ax


def threshold_widget(probabilities: Any, labels: Any) -> Widget:
    """A threshold slider (0.05 to 0.95) that re-runs :func:`threshold_report` on release.

    Example:
        >>> import io, contextlib
        >>> with contextlib.redirect_stdout(io.StringIO()) as printed:
        ...     widget = threshold_widget([0.2, 0.6, 0.9], [0, 1, 1])
        ...     widget.children[0].value = 0.7
        >>> "threshold 0.7: 1 of 3 rows flagged positive" in printed.getvalue()
        True
        >>> plt.close("all")
    """
    probabilities, labels = _check_classification(probabilities, labels)  # fail now, not on every move
    slider = _float_slider("threshold", 0.5, 0.05, 0.95, 0.05, 2)

    def describe(threshold: float) -> str:
        return (
            f"Confusion matrix of the validation rows at decision threshold {round(threshold, 6):g}: "
            "counts of true and predicted classes; a lower threshold flags more rows as positive."
        )

    return _exploration(
        lambda threshold: threshold_report(probabilities, labels, round(threshold, 6)),
        describe,
        threshold=slider,
    )


# --- lesson 06: how much of a padded batch is padding --------------------------------------------


def _check_lengths(lengths: Any) -> list[int]:
    """``lengths`` as a list of Python ints of at least 1."""
    if isinstance(lengths, (torch.Tensor, np.ndarray)):
        lengths = lengths.tolist()
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, Sequence):
        raise ValueError(
            f"padding_share: lengths must be a list of whole numbers, got {type(lengths).__name__}"
        )
    if len(lengths) == 0:
        raise ValueError("padding_share: lengths is empty; give the length of at least one sequence")
    for index, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
            raise ValueError(
                f"padding_share: every length must be a whole number of at least 1, but lengths[{index}] "
                f"is {length!r}"
            )
    return [int(length) for length in lengths]


def _batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    return [lengths[start : start + batch_size] for start in range(0, len(lengths), batch_size)]


def _padded_slots(batches: list[list[int]]) -> int:
    """Each batch is padded to its longest sequence: batch size x longest length, summed."""
    return sum(len(batch) * max(batch) for batch in batches)


def padding_share(lengths: Any, batch_size: int, *, ax: Axes | None = None) -> Axes:
    """Print the share of padding in padded batches, in the given order and sorted into buckets.

    The sequences are cut into batches of ``batch_size`` in the given order (what a loader
    without shuffling does), and again after sorting by length, so that each batch holds
    sequences of similar length (bucketing). Each batch is padded to its longest sequence.
    The picture shows every sequence as a bar: its steps in colour, its padding in grey.

    Args:
        lengths: the length of each sequence, whole numbers of at least 1.
        batch_size: the number of sequences per batch, at least 1.
        ax: the axes to draw on; a new figure if ``None``.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = padding_share([5, 1, 4, 2, 8, 1, 3, 6], batch_size=2)
        8 sequences, 30 valid steps, batches of 2
        in the given order: 46 slots after padding, padding share 0.3478
        sorted by length:   34 slots after padding, padding share 0.1176
        >>> plt.close("all")
    """
    lengths = _check_lengths(lengths)
    _check_count(batch_size, "batch_size", "padding_share")
    layouts = {
        "in the given order": _batches(lengths, batch_size),
        "sorted by length": _batches(sorted(lengths), batch_size),
    }
    n_steps = sum(lengths)
    print(f"{len(lengths)} sequences, {n_steps} valid steps, batches of {batch_size}")
    for name, batches in layouts.items():
        slots = _padded_slots(batches)
        print(f"{name + ':':<20}{slots} slots after padding, padding share {1 - n_steps / slots:.4f}")

    ax = _new_axes(ax, (8, 3.5))
    longest, offset = max(lengths), 0.0
    for name, batches in layouts.items():
        row = 0.0
        for batch in batches:
            for length in batch:
                ax.barh(row, max(batch), left=offset, height=0.8, color="0.85", label="padding")
                ax.barh(row, length, left=offset, height=0.8, color="C0", label="steps of the sequence")
                row += 1
            row += 0.6  # a gap between batches
        share = 1 - n_steps / _padded_slots(batches)
        ax.text(offset, -1.2, f"{name}: padding share {share:.2f}", va="bottom")
        offset += 1.15 * longest
    ax.invert_yaxis()
    ax.set_axis_off()
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[:2][::-1], labels[:2][::-1], loc="upper center", bbox_to_anchor=(0.5, 0), ncols=2)
    return ax


def lognormal_lengths(
    n_sequences: int, spread: float, *, median: int = 20, max_length: int = 100, seed: int = 0
) -> list[int]:
    """Draw ``n_sequences`` log-normal lengths, rounded and clipped to ``[1, max_length]``.

    ``length = round(median * exp(spread * z))`` with ``z`` standard normal, drawn from a
    ``torch.Generator`` seeded with ``seed``: the same ``z`` for every ``spread``, so a larger
    spread stretches the same lengths further apart.

    Example:
        >>> lognormal_lengths(6, 0.0)
        [20, 20, 20, 20, 20, 20]
        >>> lognormal_lengths(6, 0.8)
        [69, 16, 3, 32, 8, 7]
    """
    _check_count(n_sequences, "n_sequences", "lognormal_lengths")
    if not 0 <= spread < math.inf:
        raise ValueError(f"lognormal_lengths: spread must be at least 0, got {spread!r}")
    if not 1 <= median <= max_length:
        raise ValueError(
            f"lognormal_lengths: need 1 <= median <= max_length, got {median!r} and {max_length!r}"
        )
    z = torch.randn(n_sequences, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return [min(max_length, max(1, round(median * math.exp(spread * value)))) for value in z.tolist()]


def padding_widget(n_sequences: int = 64, batch_size: int = 8, *, seed: int = 0) -> Widget:
    """A spread slider for :func:`lognormal_lengths` that re-runs :func:`padding_share` on release.

    Example:
        >>> import io, contextlib
        >>> with contextlib.redirect_stdout(io.StringIO()):
        ...     widget = padding_widget()
        >>> widget.children[0].description
        'spread of the log-lengths'
        >>> plt.close("all")
    """
    _check_count(n_sequences, "n_sequences", "padding_widget")
    _check_count(batch_size, "batch_size", "padding_widget")
    _check_count(seed, "seed", "padding_widget", minimum=0)
    slider = _float_slider("spread of the log-lengths", 0.8, 0.0, 1.5, 0.1, 1)

    def draw(spread: float) -> Axes:
        return padding_share(lognormal_lengths(n_sequences, round(spread, 6), seed=seed), batch_size)

    def describe(spread: float) -> str:
        return (
            f"{n_sequences} sequences whose log-lengths spread by {round(spread, 6):g}, each a bar "
            f"of its steps and its padding, in batches of {batch_size}: in the given order and "
            "sorted by length. The wider the spread, the more padding sorting saves."
        )

    return _exploration(draw, describe, spread=slider)


# --- lesson 04: how wide an MLP must be ----------------------------------------------------------


def mlp_width(width: int, seed: int = 0, *, steps: int = 500, ax: Axes | None = None) -> Axes:
    """Train a ``1 -> width -> 1`` ReLU network on lesson 04's 100 points; print and draw the fit.

    The data are ``make_cubic_wave_data(100)`` (its default generator, seeded with 0). The network
    starts from ``torch.manual_seed(seed)`` (the global generator is restored afterwards), predicts
    ``y / 100`` so that Adam's steps suit the targets, and trains for ``steps`` full-batch Adam
    steps at 0.02 with a cosine decay, in float64 on one CPU thread (well under a second).

    Args:
        width: the number of hidden units, at least 1.
        seed: the seed of the initial weights.
        steps: the number of training steps, at least 1.
        ax: the axes to draw on; a new figure if ``None``.

    Returns:
        The axes drawn on.

    Example:
        >>> ax = mlp_width(16, seed=1)
        width 16 (49 parameters), seed 1, 500 Adam steps
        training MSE 109.4, MSE against the true function 52.8
        >>> plt.close("all")
    """
    _check_count(width, "width", "mlp_width")
    _check_count(seed, "seed", "mlp_width", minimum=0)
    _check_count(steps, "steps", "mlp_width")
    x, y = make_cubic_wave_data(100)  # (100,), (100,)
    inputs, targets = x.double()[:, None], y.double()[:, None] / 100  # (100, 1) each
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(1, width), nn.ReLU(), nn.Linear(width, 1)).double()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    with num_threads(1):
        for _ in range(steps):
            loss = ((model(inputs) - targets) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        with torch.no_grad():
            grid = torch.linspace(-5, 5, 1000, dtype=torch.float64)  # (1000,)
            fit = 100 * model(grid[:, None]).squeeze(1)  # (1000,)
            train_mse = (100**2 * (model(inputs) - targets) ** 2).mean().item()
            true_mse = ((fit - cubic_wave(grid)) ** 2).mean().item()

    n_parameters = sum(parameter.numel() for parameter in model.parameters())
    print(f"width {width} ({n_parameters} parameters), seed {seed}, {steps} Adam steps")
    print(f"training MSE {train_mse:.1f}, MSE against the true function {true_mse:.1f}")

    ax = _new_axes(ax, (6, 3.2))
    ax.scatter(x, y, s=10, color="0.5", label="data")
    ax.plot(grid, cubic_wave(grid), color="0.2", linestyle="--", label="true function")
    ax.plot(grid, fit, color="C3", label=f"{width} hidden units")
    ax.set(xlabel="x", ylabel="y", title=f"width {width}, seed {seed}: MSE against the truth {true_mse:.1f}")
    ax.legend(loc="upper left")
    return ax


#: The widths the width slider offers: powers of 2.
WIDTHS = (2, 4, 8, 16, 32, 64, 128)


def mlp_width_widget(steps: int = 500) -> Widget:
    """A width slider (2 to 128, in powers of 2) and a seed slider that re-run :func:`mlp_width`.

    Example:
        >>> import io, contextlib
        >>> with contextlib.redirect_stdout(io.StringIO()):
        ...     widget = mlp_width_widget()
        >>> [slider.description for slider in widget.children[:2]]
        ['hidden units', 'seed']
        >>> plt.close("all")
    """
    _check_count(steps, "steps", "mlp_width_widget")
    widgets = _widgets()
    width = widgets.SelectionSlider(
        options=list(WIDTHS),
        value=16,
        description="hidden units",
        continuous_update=False,
        style=_slider_style(),
    )
    seed = widgets.IntSlider(value=0, min=0, max=9, description="seed", continuous_update=False)

    def describe(width: int, seed: int) -> str:
        return (
            f"Scatter plot of the 100 noisy points with the true function and the fit of a network "
            f"with {width} hidden units (seed {seed}, {steps} Adam steps): narrow networks draw few "
            "straight pieces, wide ones follow the curve."
        )

    return _exploration(
        lambda width, seed: mlp_width(width, seed, steps=steps), describe, width=width, seed=seed
    )
