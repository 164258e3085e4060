"""Checks for the exercises of notebook 02 (autograd)."""

from __future__ import annotations

from typing import Any

import torch

from course_utils.check import Verdict, call, check_close, is_stub, verdict

#: The expressions of exercise 2, in the order the notebook lists them.
REQUIRES_GRAD_CASES = (
    "w * 2",
    "(w * 2).sum()",
    "w.detach() * 2",
    "w * 2 inside torch.no_grad()",
    "w.detach().requires_grad_() * 2",
    "w.grad after loss.backward()",
)


def several_ops(df_da: Any, df_db: Any) -> Verdict:
    """Exercise 1: the hand-derived gradient of ``f = (a*b + sin(a))**2 / b`` at a=1.5, b=-2.

    Example:
        >>> import math
        >>> u = 1.5 * -2.0 + math.sin(1.5)
        >>> several_ops(2 * u * (-2.0 + math.cos(1.5)) / -2.0, 2 * u * 1.5 / -2.0 - u**2 / 4.0)
        ✅ df/da and df/db: correct
        True
    """
    name = "df/da and df/db"
    if is_stub(df_da) or is_stub(df_db):
        return verdict(name, None)
    a = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)
    expected = torch.stack(torch.autograd.grad((a * b + torch.sin(a)) ** 2 / b, (a, b)))
    try:
        answer = torch.tensor([float(df_da), float(df_db)], dtype=torch.float64)
    except (TypeError, ValueError) as error:
        return verdict(name, False, expected="two numbers", got=f"{df_da!r}, {df_db!r} ({error})")
    return check_close(
        name,
        answer,
        expected,
        atol=1e-6,
        hint=(
            "write u = a*b + sin(a), so f = u**2 / b; then df/da = (2u/b) * du/da, "
            "and b appears twice in f: inside u and in the division"
        ),
    )


def requires_grad_predictions(predictions: Any) -> Verdict:
    """Exercise 2: predict ``requires_grad`` for each of :data:`REQUIRES_GRAD_CASES`.

    Example:
        >>> requires_grad_predictions(dict(zip(REQUIRES_GRAD_CASES, [True, True, False, False, True, False])))
        ✅ requires_grad predictions: correct
        True
    """
    name = "requires_grad predictions"
    if not isinstance(predictions, dict):
        if is_stub(predictions):
            return verdict(name, None)
        return verdict(
            name, False, expected="a dict from expression to True/False", got=type(predictions).__name__
        )
    if any(is_stub(value) for value in predictions.values()):
        return verdict(name, None)
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
    wrong = [case for case in REQUIRES_GRAD_CASES if predictions.get(case) != actual[case]]
    return verdict(
        name,
        not wrong,
        expected={case: actual[case] for case in wrong},
        got={case: predictions.get(case, "missing") for case in wrong},
        hint=(
            "a result requires grad when any input does and recording is on; detach() and "
            "no_grad() switch recording off, and a .grad holds plain numbers"
        ),
    )


def detached_gradient(answer: Any) -> Verdict:
    """Exercise 2b: ``x.grad`` for ``z = y.detach() * x`` with ``y = x**2`` at x = 2.

    Example:
        >>> detached_gradient(4.0)
        ✅ gradient through a detached factor: correct
        True
    """
    return check_close(
        "gradient through a detached factor",
        answer,
        4.0,
        hint=(
            "the detached y is a constant (its value is 4); only the factor x "
            "is differentiated, so dz/dx = y, not d(x**3)/dx = 3x**2 = 12"
        ),
    )


def central_difference(function: Any) -> Verdict:
    """Exercise 3: a gradient by central differences, compared with autograd.

    Example:
        >>> def fd(f, x, eps=1e-3):
        ...     steps = torch.eye(len(x), dtype=x.dtype) * eps
        ...     return torch.stack([(f(x + s) - f(x - s)) / (2 * eps) for s in steps])
        >>> central_difference(fd)
        ✅ central differences: correct
        True
    """
    name = "central differences"

    def f(x: torch.Tensor) -> torch.Tensor:
        return (x**3).sum() + x.prod()

    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    done, result = call(function, f, x.clone(), name="central_difference")
    if not done:
        return verdict(name, None)
    (expected,) = torch.autograd.grad(f(x.requires_grad_(True)), x)
    return check_close(
        name,
        result,
        expected,
        atol=1e-4,
        hint=(
            "for each i, nudge only x[i] by +eps and -eps and divide the change "
            "in f by 2*eps; the result has the shape of x"
        ),
    )
