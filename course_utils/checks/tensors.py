"""Checks for the exercises of notebook 01 (tensors)."""

from __future__ import annotations

from typing import Any

import torch

from course_utils.check import Verdict, call, check_close, check_equal, is_stub, verdict


def mean_shapes(answer: Any) -> Verdict:
    """Exercise 1a: the shapes of ``t.mean(dim=d)`` for d = 0, 1, 2, with ``t`` of shape (2, 3, 4).

    Example:
        >>> mean_shapes([(3, 4), (2, 4), (2, 3)])
        ✅ mean shapes: correct
        True
    """
    return check_equal(
        "mean shapes",
        answer,
        [(3, 4), (2, 4), (2, 3)],
        normalize=lambda shapes: [tuple(shape) for shape in shapes],
        hint="a reduction along dim d removes dimension d and keeps the others in order",
    )


def reshaped(t: torch.Tensor, t_6x4: Any, t_4x6: Any) -> Verdict:
    """Exercise 1b: ``t`` reshaped to (6, 4), then to (4, 6), with its data unchanged.

    Example:
        >>> t = torch.arange(24.0).view(2, 3, 4)
        >>> reshaped(t, t.reshape(6, 4), t.reshape(4, 6))
        ✅ reshape to (6, 4) and (4, 6): correct
        True
    """
    name = "reshape to (6, 4) and (4, 6)"
    if is_stub(t_6x4) or is_stub(t_4x6):
        return verdict(name, None)
    for label, tensor, shape in (("t_6x4", t_6x4, (6, 4)), ("t_4x6", t_4x6, (4, 6))):
        if not isinstance(tensor, torch.Tensor) or tuple(tensor.shape) != shape:
            got = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor).__name__
            return verdict(
                name,
                False,
                expected=f"{label} of shape {shape}",
                got=got,
                hint=f"t.reshape{shape} (or .view) gives that shape",
            )
        if not torch.equal(tensor.flatten(), t.flatten()):
            return verdict(
                name,
                False,
                expected=f"{label} to hold t's numbers in t's order",
                got="the same shape but other numbers or another order",
                hint="reshape keeps the row-major order; transpose or permute do not",
            )
    return verdict(name, True)


def pairwise_sq_distances(function: Any) -> Verdict:
    """Exercise 2: squared distances between all pairs of points, by broadcasting.

    Example:
        >>> pairwise_sq_distances(lambda p: ((p[:, None, :] - p[None, :, :]) ** 2).sum(-1))
        ✅ pairwise squared distances: correct
        True
    """
    name = "pairwise squared distances"
    points = torch.rand(5, 2, generator=torch.Generator().manual_seed(1))
    done, result = call(function, points, name="pairwise_sq_distances")
    if not done:
        return verdict(name, None)
    expected = torch.cdist(points, points) ** 2
    return check_close(
        name,
        result,
        expected,
        atol=1e-5,
        hint="(n, 1, 2) minus (1, n, 2) broadcasts to (n, n, 2); square, then sum over the last dimension",
    )


def standardize_columns(function: Any) -> Verdict:
    """Exercise 3: each column minus its mean, divided by its standard deviation.

    Example:
        >>> standardize_columns(lambda x: (x - x.mean(0, keepdim=True)) / x.std(0, keepdim=True))
        ✅ standardized columns: correct
        True
    """
    name = "standardized columns"
    data = torch.tensor([[1.0, 10.0, 5.0], [2.0, 20.0, 5.5], [3.0, 60.0, 4.0], [6.0, 30.0, 4.5]])
    done, result = call(function, data, name="standardize_columns")
    if not done:
        return verdict(name, None)
    expected = (data - data.mean(dim=0)) / data.std(dim=0)
    return check_close(
        name,
        result,
        expected,
        atol=1e-5,
        hint=(
            "reduce over dim=0 (down the rows) so that each column gets its own "
            "mean and std, of shape (3,) or (1, 3), which broadcast over the rows"
        ),
    )
