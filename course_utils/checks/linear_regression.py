"""Checks for the exercises of notebook 03 (linear regression).

All three use the lesson's data: the 11 thermometer readings, with the unknown
readings scaled by 0.1 as in the notebook.
"""

from __future__ import annotations

from typing import Any

import torch

from course_utils.check import Verdict, call, check_close, is_stub, verdict
from course_utils.data import thermometer_readings

#: The point (w2, w1, b) at which exercise 1's gradient is checked.
QUADRATIC_POINT = (0.1, 1.0, -5.0)
#: The learning rate and the threshold ``min_delta`` exercise 3 is checked with.
EARLY_STOPPING_LR = 1e-2
EARLY_STOPPING_CASES = (1e-3,)
#: How many epochs exercise 2 runs, and the loss a converged run must end below.
STABILITY_EPOCHS = 5000
STABILITY_LOSS = 3.0


def _scaled_data() -> tuple[torch.Tensor, torch.Tensor]:
    celsius, unknown = thermometer_readings()
    return 0.1 * unknown, celsius  # (11,), (11,)


def _as_vector(result: Any) -> Any:
    """Turn a list or tuple of numbers or 0-d tensors into one tensor; leave anything else."""
    if isinstance(result, (list, tuple)):
        try:
            return torch.stack([torch.as_tensor(value).detach().float().reshape(()) for value in result])
        except (TypeError, ValueError, RuntimeError):
            return result
    if isinstance(result, torch.Tensor):
        return result.detach()
    return result


def quadratic_gradient(function: Any) -> Verdict:
    """Exercise 1: the hand-derived gradient of the quadratic model, compared with autograd.

    ``function(u, c, w2, w1, b)`` must return ``[dL/dw2, dL/dw1, dL/db]`` (shape ``(3,)``)
    for ``L = mean((w2*u**2 + w1*u + b - c)**2)``.

    Example:
        >>> def gradient(u, c, w2, w1, b):
        ...     dloss_dpred = 2 * (w2 * u**2 + w1 * u + b - c) / u.numel()
        ...     return torch.stack([(dloss_dpred * u**2).sum(), (dloss_dpred * u).sum(), dloss_dpred.sum()])
        >>> quadratic_gradient(gradient)
        ✅ gradient of the quadratic model: correct
        True
    """
    name = "gradient of the quadratic model"
    u, c = _scaled_data()
    w2, w1, b = (torch.tensor(value) for value in QUADRATIC_POINT)
    done, result = call(function, u, c, w2.clone(), w1.clone(), b.clone(), name="quadratic_gradient")
    if not done:
        return verdict(name, None)
    leaves = [value.clone().requires_grad_(True) for value in (w2, w1, b)]
    loss = ((leaves[0] * u**2 + leaves[1] * u + leaves[2] - c) ** 2).mean()
    expected = torch.stack(torch.autograd.grad(loss, leaves))
    return check_close(
        name,
        _as_vector(result),
        expected,
        atol=1e-3,
        rtol=1e-4,
        hint=(
            "dL/dp = 2*(p - c)/N for each point; multiply it by dp/dw2 = u**2, "
            "dp/dw1 = u and dp/db = 1, sum over the points, and return the three "
            "sums in the order (w2, w1, b)"
        ),
    )


def stability_limit() -> float:
    """The learning rate above which gradient descent on the scaled data diverges: ``2 / λ_max``.

    ``λ_max`` is the largest eigenvalue of the Hessian ``2/N · XᵀX`` of the loss, with
    ``X = [0.1*u, 1]``.

    Example:
        >>> round(stability_limit(), 4)
        0.033
    """
    u, _ = _scaled_data()
    design = torch.stack([u.double(), torch.ones_like(u, dtype=torch.float64)], dim=1)  # (11, 2)
    hessian = 2 * design.T @ design / len(u)  # (2, 2)
    return 2 / torch.linalg.eigvalsh(hessian)[-1].item()


def largest_learning_rate(answer: Any) -> Verdict:
    """Exercise 2: the largest learning rate that still converges on the scaled inputs, within 1%.

    Converging means: after 5000 epochs of gradient descent from ``w=1, b=0`` the loss is
    below 3.0.

    Example:
        >>> largest_learning_rate(0.0329)
        ✅ largest learning rate: correct
        True
        >>> largest_learning_rate(0.01)
        ❌ largest learning rate: not yet right
           expected: the largest rate that converges, to within 1% (it lies between 0.02 and 0.04)
           got:      0.01
           hint:     0.01 converges, but so do larger rates: search between 0.02 and 0.04 on a finer grid (or by bisection)
        False
    """  # noqa: E501 (a printed verdict)
    name = "largest learning rate"
    if is_stub(answer):
        return verdict(name, None)
    expected = "the largest rate that converges, to within 1% (it lies between 0.02 and 0.04)"
    try:
        rate = float(answer)
    except (TypeError, ValueError, RuntimeError):
        return verdict(
            name,
            False,
            expected=expected,
            got=f"{answer!r} (not a number)",
            hint="give one number, such as 0.025",
        )
    limit = stability_limit()
    if rate > limit * 1.001:
        hint = (
            f"at {rate:g} the loss grows: a step overshoots the minimum along the steepest "
            "direction by more than it started from; try smaller rates"
        )
    elif rate < limit * 0.99:
        hint = (
            f"{rate:g} converges, but so do larger rates: search between 0.02 and 0.04 on a "
            "finer grid (or by bisection)"
        )
    else:
        return verdict(name, True)
    return verdict(name, False, expected=expected, got=answer, hint=hint)


def _reference_early_stopping(
    u: torch.Tensor, c: torch.Tensor, min_delta: float, max_epochs: int
) -> tuple[torch.Tensor, int]:
    params = torch.tensor([1.0, 0.0])
    previous = None
    for epoch in range(1, max_epochs + 1):
        predicted = params[0] * u + params[1]
        loss = ((predicted - c) ** 2).mean()
        if previous is not None and previous - loss < min_delta:
            return params, epoch
        previous = loss
        dloss_dpred = 2 * (predicted - c) / len(u)
        params = params - EARLY_STOPPING_LR * torch.stack([(dloss_dpred * u).sum(), dloss_dpred.sum()])
    return params, max_epochs


def early_stopping(function: Any) -> Verdict:
    """Exercise 3: a training loop that stops when the loss improves by less than ``min_delta``.

    ``function(u, c, params, learning_rate, min_delta, max_epochs)`` must return
    ``(params, epochs)``. It is run on the scaled data from ``[1.0, 0.0]`` with the learning rate
    1e-2 and each ``min_delta`` of :data:`EARLY_STOPPING_CASES`; the number of epochs may differ
    from the reference by 2 and the parameters by 0.005.

    Example:
        >>> def train_until_flat(u, c, params, learning_rate, min_delta, max_epochs):
        ...     previous = None
        ...     for epoch in range(1, max_epochs + 1):
        ...         predicted = params[0] * u + params[1]
        ...         loss = ((predicted - c) ** 2).mean()
        ...         if previous is not None and previous - loss < min_delta:
        ...             break
        ...         previous = loss
        ...         dloss_dpred = 2 * (predicted - c) / len(u)
        ...         gradient = torch.stack([(dloss_dpred * u).sum(), dloss_dpred.sum()])
        ...         params = params - learning_rate * gradient
        ...     return params, epoch
        >>> early_stopping(train_until_flat)
        ✅ early stopping: correct
        True
    """
    name = "early stopping"
    u, c = _scaled_data()
    hint = (
        "keep the previous epoch's loss; stop as soon as previous_loss - loss < min_delta "
        "(an improvement smaller than min_delta), and return the parameters and the number "
        "of the epoch you stopped at"
    )
    for min_delta in EARLY_STOPPING_CASES:
        done, result = call(
            function,
            u,
            c,
            torch.tensor([1.0, 0.0]),
            EARLY_STOPPING_LR,
            min_delta,
            STABILITY_EPOCHS,
            name="train_until_flat",
        )
        if not done:
            return verdict(name, None)
        if isinstance(result, str):  # the learner's function raised
            return verdict(name, False, expected="(params, epochs)", got=result, hint=hint)
        want_params, want_epochs = _reference_early_stopping(u, c, min_delta, STABILITY_EPOCHS)
        expected = f"stops at epoch {want_epochs} with params {[round(p, 3) for p in want_params.tolist()]}"
        try:
            params, epochs = result
            params = _as_vector(params)
            got_params = torch.as_tensor(params, dtype=torch.float32).reshape(2)
            epochs = int(epochs)
        except (TypeError, ValueError, RuntimeError):
            return verdict(
                name, False, expected=f"a pair (params, epochs); {expected}", got=repr(result), hint=hint
            )
        got = (
            f"stops at epoch {epochs} with params {[round(p, 3) for p in got_params.tolist()]}"
            f" (min_delta={min_delta:g})"
        )
        if abs(epochs - want_epochs) > 2 or not torch.allclose(got_params, want_params, atol=5e-3):
            if epochs >= STABILITY_EPOCHS:
                hint = "it never stopped early: " + hint
            return verdict(name, False, expected=f"{expected} (min_delta={min_delta:g})", got=got, hint=hint)
    return verdict(name, True)
