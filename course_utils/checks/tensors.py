"""Checks for the exercises of notebook 01 (tensors).

Two questions sit inside the lesson (broadcast shapes in section 7, view or copy in section 10);
four exercises close it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from course_utils.checks.core import (
    NotAttempted,
    Wrong,
    check,
    compare,
    door,
    fresh,
    generator,
    how_many_wrong,
    run,
    whole,
)

#: The three sums of the broadcasting question, as pairs of operand shapes.
BROADCAST_PAIRS = (((2, 1, 3), (4, 1)), ((5, 3), (5,)), ((5, 3), (5, 1)))
#: The three results of the view-or-copy question, taken from a = torch.arange(6).view(2, 3).
VIEW_OR_COPY: tuple[tuple[str, Callable[[torch.Tensor], torch.Tensor]], ...] = (
    ("a[:, 1:]", lambda a: a[:, 1:]),
    ("a[a > 2]", lambda a: a[a > 2]),
    ("a.view(6)", lambda a: a.view(6)),
)
#: The shape of ``t`` in exercise 1.
T_SHAPE = (2, 3, 4)


def _as_list(answer: Any) -> Any:
    """A NumPy array or torch tensor of at least one dimension as the list of its rows; else ``answer``."""
    if isinstance(answer, (np.ndarray, torch.Tensor)) and answer.ndim >= 1:
        return list(answer)
    return answer


def _as_shape(item: Any) -> tuple[int, ...] | None:
    """``item`` as a tuple of ints, or None if it is not one.

    A tuple, a list, a ``torch.Size`` or a 1-D integer array or tensor; its sizes may be NumPy or
    torch integers, but not booleans.
    """
    if isinstance(item, (np.ndarray, torch.Tensor)) and item.ndim == 1:
        item = list(item)
    if not isinstance(item, (tuple, list, torch.Size)):
        return None
    sizes = [whole(size, floats=False) for size in item]
    if any(size is None for size in sizes):
        return None
    return tuple(size for size in sizes if size is not None)


def _as_bool(item: Any) -> bool | None:
    """``item`` as a bool: ``True``/``False``, a NumPy bool, or a one-element bool tensor; else None."""
    if isinstance(item, (bool, np.bool_)):
        return bool(item)
    if isinstance(item, torch.Tensor) and item.dtype == torch.bool and item.numel() == 1:
        return bool(item.item())
    if isinstance(item, np.ndarray) and item.dtype == np.bool_ and item.ndim == 0:
        return bool(item.item())
    return None


def _items(name: str, answer: Any, count: int, what: str, *, shapes: bool = False) -> list[Any]:
    """The ``count`` items of a list answer; NotAttempted if all are ``...``, Wrong if some are.

    With ``shapes`` (the items are shapes), a flat list of sizes is named as one shape given
    where a list of shapes was asked.
    """
    answer = _as_list(answer)
    if not isinstance(answer, (list, tuple)):
        raise Wrong(f"{name} should be a list of {count} {what}, but it is of type {type(answer).__name__}")
    if shapes and answer:
        one_shape = _as_shape(answer)
        if one_shape is not None:
            raise Wrong(f"{name} should be a list of {count} {what}, not one shape {one_shape}")
    if len(answer) != count:
        raise Wrong(f"{name} should be a list of {count} {what}; it has {len(answer)}")
    missing = sum(item is ... for item in answer)
    if missing == count:
        raise NotAttempted
    if missing:
        verb = "is" if missing == 1 else "are"
        raise Wrong(f"{missing} of the {count} items of {name} {verb} still `...`: fill them all in")
    return list(answer)


@check("01.broadcast_shapes", "broadcast shapes", points=1)
def broadcast_shapes(answer: Any) -> None:
    """Question in section 7: the shape of each sum below, or None where the sum raises an error.

    ``torch.zeros(2, 1, 3) + torch.zeros(4, 1)``, ``torch.zeros(5, 3) + torch.zeros(5)`` and
    ``torch.zeros(5, 3) + torch.zeros(5, 1)``, as a list of three answers.
    """
    items = _items("broadcast_shapes", answer, len(BROADCAST_PAIRS), "shapes (or None)", shapes=True)
    wrong = []
    for item, (left, right) in zip(items, BROADCAST_PAIRS, strict=True):
        if item is not None and _as_shape(item) is None:
            raise Wrong(f"each answer should be a tuple of sizes, or None for an error; one is {item!r}")
        try:
            expected: tuple[int, ...] | None = tuple(torch.broadcast_shapes(left, right))
        except RuntimeError:
            expected = None
        if (None if item is None else _as_shape(item)) != expected:
            wrong.append(f"{left} + {right}")
    if wrong:
        raise Wrong(
            how_many_wrong(len(wrong), len(BROADCAST_PAIRS)),
            "line the two shapes up from the right; a missing dimension counts as size 1",
            "compare the sizes pair by pair, starting from the last dimension: equal sizes stay, "
            "a 1 stretches to the other size, and any other pair is an error",
        )


@check("01.view_or_copy", "view or copy", points=1)
def view_or_copy(answer: Any) -> None:
    """Question in section 10: for ``a = torch.arange(6).view(2, 3)``, does writing into each result change a?

    The results are ``a[:, 1:]``, ``a[a > 2]`` and ``a.view(6)``; the answer is a list of three
    booleans, True where a write into the result shows in ``a`` (NumPy bools also do; 1 and 0 do
    not: they are numbers, and the answer is a yes or a no).
    """
    items = _items("changes_a", answer, len(VIEW_OR_COPY), "booleans")
    flags = [_as_bool(item) for item in items]
    if any(flag is None for flag in flags):
        message = "each answer should be True (a changes) or False (it does not)"
        if any(whole(item) is not None for item, flag in zip(items, flags, strict=True) if flag is None):
            message += "; numbers such as 1 and 0 are not accepted as booleans: write True or False"
        raise Wrong(message)
    wrong = []
    for item, (label, make) in zip(flags, VIEW_OR_COPY, strict=True):
        a = torch.arange(6).view(2, 3)
        make(a).fill_(-1)  # write into the result, then look at a
        if item != bool((a == -1).any()):
            wrong.append(label)
    if wrong:
        raise Wrong(
            how_many_wrong(len(wrong), len(VIEW_OR_COPY)),
            "a view reads a's own memory; ask for each result whether its elements can be read there "
            "in place, or must be gathered into new memory",
            "find out on a fresh tensor: write into the result with .fill_(-1) and print the tensor "
            "you started from (section 8 did this for a row and for a list of rows)",
        )


@check("01.mean_shapes", "mean shapes", points=1)
def mean_shapes(answer: Any) -> None:
    """Exercise 1a: the shapes of ``t.mean(dim=d)`` for d = 0, 1, 2, with ``t`` of shape (2, 3, 4).

    The answer is a list of three shapes (tuples, lists or ``torch.Size``).
    """
    items = _items("mean_shapes", answer, len(T_SHAPE), "shapes", shapes=True)
    shapes = [_as_shape(item) for item in items]
    if any(shape is None for shape in shapes):
        raise Wrong("each shape should be a tuple of sizes, like the shape (2, 3, 4) of t")
    t = torch.zeros(T_SHAPE)
    kept = [dim for dim, shape in enumerate(shapes) if shape == tuple(t.mean(dim=dim, keepdim=True).shape)]
    wrong = [dim for dim, shape in enumerate(shapes) if shape != tuple(t.mean(dim=dim).shape)]
    if wrong:
        message = how_many_wrong(len(wrong), len(T_SHAPE), "shapes")
        if kept:
            message += "; some of them keep the averaged dimension as size 1, which only keepdim=True does"
        raise Wrong(
            message,
            "t has shape (2, 3, 4): which of its sizes does averaging along dim=d use up?",
            "t.mean(dim=d) removes dimension d from the shape and keeps the others in their order",
        )


@check("01.reshaped", "reshape to (6, 4) and (4, 6)", points=2, context=("t",))
def reshaped(t: torch.Tensor, t_6x4: Any, t_4x6: Any) -> None:
    """Exercise 1b: ``t`` reshaped to (6, 4), then to (4, 6), its numbers kept in their order."""
    if not (isinstance(t, torch.Tensor) and t.shape == T_SHAPE and t.unique().numel() == t.numel()):
        raise Wrong(
            "t is not the lesson's t any more: a (2, 3, 4) tensor of 24 different numbers",
            "run the exercise cell as it is, which draws t, and reshape that t",
        )
    for label, tensor, shape in (("t_6x4", t_6x4, (6, 4)), ("t_4x6", t_4x6, (4, 6))):
        if not isinstance(tensor, torch.Tensor):
            raise Wrong(f"{label} should be a tensor, but it is a {type(tensor).__name__}")
        if tuple(tensor.shape) != shape:
            raise Wrong(
                f"{label} has shape {tuple(tensor.shape)}; it should have shape {shape}",
                "reshape takes the new sizes as its arguments and keeps every number",
            )
        if torch.equal(tensor.flatten(), t.flatten()):
            continue
        if torch.equal(tensor.flatten().sort().values, t.flatten().sort().values):
            raise Wrong(
                f"{label} holds t's numbers, but in another order",
                "reshape keeps the row-major order of the numbers; transpose and permute change it",
            )
        raise Wrong(f"{label} does not hold t's numbers", "reshape t itself: it keeps every number")


@check("01.pairwise_sq_distances", "pairwise squared distances", points=2)
def pairwise_sq_distances(function: Any) -> None:
    """Exercise 2: ``function(points)`` maps (n, 2) points to (n, n) squared distances, broadcasting."""
    first = fresh(5, 3, 9)
    for offset, n in enumerate((first, first + 2)):  # two sizes, so that no fixed n passes
        points = torch.rand(n, 2, generator=generator(1 + offset))  # (n, 2)
        expected = ((points.double()[:, None] - points.double()[None]) ** 2).sum(-1).float()  # (n, n)
        result = run(function, points.clone(), name="pairwise_sq_distances")
        if (
            isinstance(result, torch.Tensor)
            and result.shape == expected.shape
            and torch.allclose(result.double(), expected.double().sqrt(), atol=1e-5)
        ):
            raise Wrong(
                "these are the distances between the points, not their squares",
                "the exercise asks for the squared distance: do not take the square root",
            )
        compare(
            f"pairwise_sq_distances(points) for {n} points",
            result,
            expected,
            "give the points two shapes, (n, 1, 2) and (1, n, 2), so that their difference broadcasts",
            "(n, 1, 2) minus (1, n, 2) broadcasts to (n, n, 2); square it, then sum over the last dimension",
        )


def _what_is_off(got: torch.Tensor, table: torch.Tensor) -> str | None:
    """What a (4, 3) float result ``got`` does wrong, as a sentence, or None if no pattern fits."""
    got, table = got.detach().cpu().double(), table.double()
    column_mean, column_std = got.mean(dim=0), got.std(dim=0)
    centred = torch.allclose(column_mean, torch.zeros_like(column_mean), atol=1e-5)
    scaled = torch.allclose(column_std, torch.ones_like(column_std), atol=1e-4)
    population = (table - table.mean(dim=0)) / table.std(dim=0, correction=0)
    if torch.allclose(got, population, atol=1e-5):
        return (
            "each column has mean 0, but you divided by the population standard deviation (which "
            "divides by n); torch's std, and this exercise, use the sample standard deviation, which "
            "divides by n - 1"
        )
    if torch.allclose(got.mean(dim=1), torch.zeros(len(got), dtype=got.dtype), atol=1e-5):
        return "each row has mean 0, not each column: you reduced along dim=1, across each row"
    if abs(got.mean().item()) < 1e-5 and not centred:
        return "the whole table has mean 0, but its columns do not: one mean served all columns"
    if centred and not scaled:
        return "each column has mean 0, but not standard deviation 1: scale each column too"
    if scaled and not centred:
        return "each column has standard deviation 1, but not mean 0: shift each column too"
    return None


@check("01.standardize_columns", "standardized columns", points=2)
def standardize_columns(function: Any) -> None:
    """Exercise 3: ``function(table)`` returns each column minus its mean, divided by its (sample) std.

    "std" is what ``torch.std`` computes by default: the sample standard deviation, divided by n - 1.
    """
    table = torch.tensor([[1.0, 10.0, 5.0], [2.0, 20.0, 5.5], [3.0, 60.0, 4.0], [6.0, 30.0, 4.5]])  # (4, 3)
    if door().seed:  # a grading run: a table of its own shape and numbers
        table = torch.rand(fresh(4, 3, 8), fresh(3, 2, 6, offset=1), generator=generator(2)) * 50
    expected = (table - table.mean(dim=0)) / table.std(dim=0)
    result = run(function, table.clone(), name="standardize_columns")
    hints = (
        "reduce over dim=0 (down the rows), so that each column gets its own mean and std",
        "a statistic taken over dim=0 has one value per column, shape (3,), and broadcasts over the "
        "rows of the (4, 3) table",
    )
    if isinstance(result, np.ndarray) and result.dtype.kind == "f":  # NumPy or scikit-learn's answer
        result = torch.from_numpy(result)
    right_kind = isinstance(result, torch.Tensor) and result.is_floating_point()
    if right_kind and result.shape == table.shape and not torch.allclose(result.double(), expected.double()):
        message = _what_is_off(result, table)
        if message is not None and "population" in message:
            raise Wrong(message, "call std without correction=0 (or unbiased=False)")
        if message is not None:
            raise Wrong(message, *hints)
    compare("standardize_columns(table)", result, expected, *hints)
