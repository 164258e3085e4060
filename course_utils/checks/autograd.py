"""Checks for the exercises of notebook 02 (autograd).

Every check works out the right answer with autograd itself (or, for a central difference at a
large eps, with that central difference), so the reference is computed, never typed in, and it is
never printed: a wrong answer is told which items are wrong, with a hint.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import torch

from course_utils.checks.core import (
    NotAttempted,
    Wrong,
    callable_answer,
    check,
    compare,
    how_many_wrong,
    is_stub,
    observe,
    probe,
)

#: The expressions of exercise 2 (a), in the order the notebook lists them.
REQUIRES_GRAD_CASES = (
    "w * 2",
    "(w * 2).sum()",
    "w.detach() * 2",
    "w * 2 inside torch.no_grad()",
    "w.detach().requires_grad_() * 2",
    "w.grad after loss.backward()",
)

#: The eps that exercise 3's checker is also called with: large enough that the estimate depends on it.
LARGE_EPS = 0.5

#: The tensors of the leaf question of section 5, in the order the notebook lists them.
LEAF_CASES = (
    "loss",
    "torch.ones(3) * 2",
    "torch.ones(3) * w",
    "torch.ones(3).requires_grad_()",
)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _judge_flags(
    predictions: Any, actual: dict[str, bool], nudge: str, clues: dict[str, str], *, name: str
) -> None:
    """Judge a dict of True/False predictions against ``actual``: which are wrong, how many are open.

    Nothing filled in is "not attempted"; entries still ``...`` next to filled ones are counted.
    """
    if not isinstance(predictions, dict):
        raise Wrong(
            f"{name} should be a dict from each expression to True or False, "
            f"but it is a {type(predictions).__name__}",
            "keep the dict of the exercise cell and replace each `...` by True or False",
        )
    missing = [case for case in actual if case not in predictions]
    unknown = [key for key in predictions if key not in actual]
    if missing or unknown:
        problems = [f"missing: {', '.join(map(repr, missing))}"] if missing else []
        problems += [f"not asked about: {', '.join(map(repr, unknown))}"] if unknown else []
        raise Wrong(
            f"{name} should have exactly the keys of the exercise cell; {'; '.join(problems)}",
            "keep the keys as they are written and change only the values",
        )
    still_open = [case for case in actual if is_stub(predictions[case])]
    if len(still_open) == len(actual):
        raise NotAttempted
    filled = [case for case in actual if case not in still_open]
    not_flags = [case for case in filled if not isinstance(predictions[case], (bool, np.bool_))]
    if not_flags:
        raise Wrong(
            "each prediction should be True or False; "
            + ", ".join(f"{case!r} is {predictions[case]!r}" for case in not_flags),
            "write True or False without quotes",
        )
    wrong = [case for case in filled if bool(predictions[case]) != actual[case]]
    open_note = f"{_plural(len(still_open), 'entry is', 'entries are')} still `...`: " + ", ".join(
        map(repr, still_open)
    )
    if wrong:
        message = how_many_wrong(len(wrong), len(filled), "predictions")
        if still_open:
            message += f"\n{open_note}"
        fuller = "look again at each: " + "; ".join(f"{case!r}: {clues[case]}" for case in actual)
        raise Wrong(message, nudge, fuller)
    if still_open:
        raise Wrong(
            f"the {_plural(len(filled), 'prediction', 'predictions')} you made "
            f"{'is' if len(filled) == 1 else 'are'} right; {open_note}",
            "replace each remaining `...` by True or False",
        )


def _one_number(name: str, answer: Any) -> float:
    """``answer`` as a float (a Python number or a one-element tensor), or :class:`Wrong`."""
    if isinstance(answer, torch.Tensor):
        if answer.numel() != 1:
            raise Wrong(f"{name} should be one number, but it is a tensor of shape {tuple(answer.shape)}")
        answer = answer.item()
    if isinstance(answer, (bool, str)) or not isinstance(answer, (int, float, np.number)):
        raise Wrong(f"{name} should be a number, but it is {answer!r}", "write the number, e.g. 2.5")
    return float(answer)


@check("02.accumulated_gradient", "gradients accumulate", points=1)
def accumulated_gradient(grad_after_loop: Any) -> None:
    """Predict ``x.grad`` after a loop that calls ``(x**2).backward()`` three times at x = 3.

    The loop, from a fresh ``x = torch.tensor(3.0, requires_grad=True)``, never resets ``x.grad``.
    """
    value = _one_number("grad_after_loop", grad_after_loop)
    x = torch.tensor(3.0, requires_grad=True)
    for _ in range(3):
        (x**2).backward()
    assert x.grad is not None
    one_call = 2 * x.item()
    if abs(value - x.grad.item()) <= 1e-6:
        return
    hints = (
        "read the first sentence of section 4 again: what does backward() do with what .grad already holds?",
        "nothing in the loop resets x.grad, and backward() adds to .grad rather than overwriting it: "
        "follow x.grad through the loop, one call at a time",
    )
    if abs(value - one_call) <= 1e-6:
        # Not "the loop makes three": with the value of one call, that is a multiplication away.
        raise Wrong(
            f"x.grad = {value:g} is what one backward() call leaves; "
            "what happens to .grad on the next calls?",
            *hints,
        )
    raise Wrong(f"x.grad = {value:g} is not what the loop leaves", *hints)


@check("02.leaf_predictions", "leaf predictions", points=1)
def leaf_predictions(predictions: Any) -> None:
    """Predict ``is_leaf`` for each of :data:`LEAF_CASES`.

    ``w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)``, ``hidden = w * 2`` and
    ``loss = (hidden**2).sum()``, as in section 5 of the notebook.
    """
    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    loss = ((w * 2) ** 2).sum()
    actual = {
        "loss": loss.is_leaf,
        "torch.ones(3) * 2": (torch.ones(3) * 2).is_leaf,
        "torch.ones(3) * w": (torch.ones(3) * w).is_leaf,
        "torch.ones(3).requires_grad_()": torch.ones(3).requires_grad_().is_leaf,
    }
    _judge_flags(
        predictions,
        actual,
        "section 1 defines a leaf: any tensor that autograd did not produce by an operation it "
        "recorded. Ask for each tensor: was the operation that made it recorded?",
        {
            "loss": "it comes out of operations on w; were they recorded?",
            "torch.ones(3) * 2": "does any input require grad? If none does, is the product recorded?",
            "torch.ones(3) * w": "one input requires grad; is the product recorded?",
            "torch.ones(3).requires_grad_()": "requires_grad_() sets a flag on an existing tensor "
            "in place; it is not an operation autograd records",
        },
        name="leaf_predictions",
    )


@check("02.several_ops", "df/da and df/db by hand", points=2)
def several_ops(df_da: Any, df_db: Any) -> None:
    """The partial derivatives of ``f = (a*b + sin(a))**2 / b`` at a = 1.5, b = -2, as two numbers."""
    a = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)
    u = a * b + torch.sin(a)
    want_a, want_b = torch.autograd.grad(u**2 / b, (a, b))
    only_inside_u = (2 * u * a / b).item()  # b differentiated inside u only
    only_division = (-(u**2) / b**2).item()  # b differentiated in the division only
    hints_a = (
        "write u = a*b + sin(a), so f = u**2 / b; the chain rule gives df/da = (2u / b) * du/da",
        "du/da is the derivative of a*b + sin(a) with b held fixed; b does not change with a",
    )
    try:
        got_b = float(df_db)
    except (TypeError, ValueError, RuntimeError):
        got_b = float("nan")
    if abs(got_b - only_inside_u) <= 1e-6:
        nudge_b = "you differentiated only the b inside u; b also divides u**2, and that part counts too"
    elif abs(got_b - only_division) <= 1e-6:
        nudge_b = "you differentiated only the division by b; b also sits inside u, and that counts too"
    else:
        nudge_b = "b appears twice in f = u**2 / b: inside u and in the division; both parts contribute"
    hints_b = (
        nudge_b,
        "use the product rule on u**2 * (1/b): one term with du/db = a, one with d(1/b)/db = -1/b**2",
    )
    problems = []
    for name, got, want, hints in (("df_da", df_da, want_a, hints_a), ("df_db", df_db, want_b, hints_b)):
        try:
            compare(name, got, want, *hints, atol=1e-6, rtol=1e-5)
        except Wrong as wrong:
            problems.append(wrong)
    if problems:
        stages = max(len(problem.hints) for problem in problems)
        raise Wrong(
            "\n".join(problem.message for problem in problems),
            *(
                "; ".join(problem.hints[min(stage, len(problem.hints) - 1)] for problem in problems)
                for stage in range(stages)
            ),
        )


@check("02.requires_grad_predictions", "requires_grad predictions", points=1)
def requires_grad_predictions(predictions: Any) -> None:
    """Predict ``requires_grad`` for each of :data:`REQUIRES_GRAD_CASES`.

    ``w = torch.tensor([1.0, 2.0], requires_grad=True)`` and ``loss = (w * 2).sum()``.
    """
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        under_no_grad = w * 2
    loss = (w * 2).sum()
    (w_grad,) = torch.autograd.grad(loss, w)  # what loss.backward() stores in w.grad
    actual = {
        "w * 2": (w * 2).requires_grad,
        "(w * 2).sum()": loss.requires_grad,
        "w.detach() * 2": (w.detach() * 2).requires_grad,
        "w * 2 inside torch.no_grad()": under_no_grad.requires_grad,
        "w.detach().requires_grad_() * 2": (w.detach().requires_grad_() * 2).requires_grad,
        "w.grad after loss.backward()": w_grad.requires_grad,
    }
    _judge_flags(
        predictions,
        actual,
        "a result requires grad when at least one of its inputs requires grad and recording is on",
        {
            "w * 2": "one input requires grad; is anything switching recording off? (section 1)",
            "(w * 2).sum()": "sum() is an operation like any other (section 1)",
            "w.detach() * 2": "what does detach() return, and does it require grad? (section 6)",
            "w * 2 inside torch.no_grad()": "what is recorded inside no_grad()? (section 7)",
            "w.detach().requires_grad_() * 2": "requires_grad_() sets the flag of the tensor it is "
            "called on, in place",
            "w.grad after loss.backward()": "look at how w.grad prints in section 5: does it show "
            "grad_fn or requires_grad?",
        },
        name="predictions",
    )


@check("02.detached_gradient", "gradient through a detached factor", points=1)
def detached_gradient(answer: Any) -> None:
    """Predict ``x.grad`` after ``z.backward()``, for ``y = x**2`` and ``z = y.detach() * x`` at x = 2."""
    value = _one_number("dz_dx_with_detach", answer)
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2
    (y.detach() * x).backward()
    assert x.grad is not None
    if abs(value - x.grad.item()) <= 1e-6:
        return
    hints = (
        "autograd does not know where a detached tensor came from: to it, y.detach() is a plain number",
        "call the value of y.detach() at x = 2 a constant c; then z = c * x. What is dz/dx?",
    )
    if abs(value - 3 * x.item() ** 2) <= 1e-6:
        raise Wrong(f"{value:g} is d(x**3)/dx at x = 2: the gradient as if nothing were detached", *hints)
    if abs(value - 2 * x.item() ** 2) <= 1e-6:
        raise Wrong(f"{value:g} = (dy/dx) * x: it differentiates the factor that detach() cut off", *hints)
    raise Wrong(f"x.grad = {value:g} is not right", *hints)


@check("02.central_difference", "central differences", points=2)
def central_difference(function: Any) -> None:
    """``central_difference(f, x, eps=1e-3)``: the gradient of a scalar ``f`` at a 1-D float64 ``x``.

    Each element's derivative is estimated as ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``,
    nudging only element ``i``; the result has the shape of ``x``. With the default ``eps`` it is
    compared with autograd; then it is called with ``eps=`` :data:`LARGE_EPS` (as the third
    argument) on a function with a large third derivative, where the estimate depends measurably
    on ``eps``, and compared with the central difference of that ``eps``: this catches a function
    that ignores its ``eps`` argument.
    """

    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    result = _run_central_difference(function, "cubic", x)
    tracked = x.clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(_cubic(tracked), tracked)
    compare(
        "central_difference(f, x)",
        result,
        expected,
        "for each i, nudge only x[i], by +eps and by -eps, and divide the change in f by 2*eps",
        "build step = torch.zeros_like(x) with step[i] = eps; one estimate per element of x",
        atol=1e-4,
    )
    if not observe(_takes_three_arguments, function, name="central_difference"):
        raise Wrong(
            "central_difference should take eps as its third argument: central_difference(f, x, eps=1e-3)",
            "keep the signature of the exercise cell, and use eps in the body",
        )
    steep = _steep
    result = _run_central_difference(function, "steep", x, LARGE_EPS)
    reference = torch.stack(
        [
            (steep(x + step) - steep(x - step)) / (2 * LARGE_EPS)
            for step in torch.eye(len(x), dtype=x.dtype) * LARGE_EPS
        ]
    )
    (gradient,) = torch.autograd.grad(steep(tracked), tracked)
    hints = (
        "use the eps your function is given, both in the nudge and in the division by 2*eps; "
        "do not set eps inside the function",
        "the default eps=1e-3 belongs in the signature only: with eps=0.5 the estimate must be "
        "made with steps of 0.5",
    )
    called = f"central_difference(f, x, eps={LARGE_EPS:g}) for f(x) = 4 * (x**3).sum() + x.prod()"
    value = _as_float64(result)
    if value is not None and value.shape == gradient.shape and torch.allclose(value, gradient, atol=1e-3):
        raise Wrong(
            f"{called} gives what a much smaller eps gives: it does not use the eps it is called with",
            *hints,
        )
    compare(called, result, reference, *hints, atol=1e-4)


def _as_float64(result: Any) -> torch.Tensor | None:
    """``result`` as a float64 tensor, or None when it is not numbers."""
    try:
        value = (result if isinstance(result, torch.Tensor) else torch.as_tensor(result)).detach().cpu()
    except (TypeError, ValueError, RuntimeError):
        return None
    if value.is_complex() or value.dtype == torch.bool:
        return None
    return value.double()


def _cubic(x: torch.Tensor) -> torch.Tensor:
    return (x**3).sum() + x.prod()


def _steep(x: torch.Tensor) -> torch.Tensor:  # third derivative 6 * 4 = 24 in every element
    return 4 * (x**3).sum() + x.prod()


@probe
def _central_difference_on_copy(function: Any, which: str, x: torch.Tensor, *eps: float) -> tuple[Any, bool]:
    """The learner's ``central_difference(f, x[, eps])`` on a copy of ``x``, and whether x is unchanged."""
    given = x.clone()
    result = function({"cubic": _cubic, "steep": _steep}[which], given, *eps)
    return result, torch.equal(given, x)


@probe
def _takes_three_arguments(function: Any) -> bool:
    """Whether ``function`` can be called with (f, x, eps)."""
    try:
        inspect.signature(function).bind(_steep, torch.zeros(1), LARGE_EPS)
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): let the call tell
        pass
    return True


def _run_central_difference(function: Any, which: str, x: torch.Tensor, *eps: float) -> Any:
    """Call the learner's ``central_difference(f, x[, eps])`` on a copy of ``x``; it must not change it."""
    callable_answer(function, "central_difference")
    result, unchanged = observe(
        _central_difference_on_copy, function, which, x, *eps, name="central_difference"
    )
    if result is None:
        raise Wrong(
            "central_difference(...) returned None: did you forget `return`?",
            "a function without a `return` statement returns None",
        )
    if not unchanged:
        raise Wrong(
            "central_difference changed x in place: a gradient function must leave its input as it was",
            "nudge a copy (x + step), not x itself",
        )
    return result
