"""Checks for the exercises of notebook 03 (linear regression).

The code exercises use the lesson's data: the 11 thermometer readings, with the unknown
readings scaled by 0.1 as in the notebook. Every check compares with a reference computed here
and says what is wrong without showing the reference's numbers.
"""

from __future__ import annotations

from typing import Any, NoReturn

import torch

from course_utils.checks.core import (
    NotAttempted,
    Wrong,
    check,
    compare,
    fresh,
    generator,
    how_many_wrong,
    is_stub,
    run,
)
from course_utils.data import thermometer_readings

#: The learning rates of the in-lesson prediction (raw readings), and the words it accepts.
STEEP_RATES = (1e-4, 2e-4, 3.3e-4, 4e-4)
STEEP_OUTCOMES = ("shrinks", "zigzags", "grows")
#: Where exercise 1's gradient is checked: the scaled readings at (w2, w1, b) = (0.1, 1, -5), then
#: three other points at (0.5, -1, 2), which catches code that reads the notebook's data or N = 11.
QUADRATIC_POINT = (0.1, 1.0, -5.0)
OTHER_DATA = ((1.0, 2.0, 3.0), (1.5, -0.5, 2.0))
OTHER_POINT = (0.5, -1.0, 2.0)
#: How many epochs exercise 2 runs, and the loss a converged run must end below.
STABILITY_EPOCHS = 5000
STABILITY_LOSS = 3.0
#: Exercise 3: the learning rate, and the (min_delta, max_epochs) pairs it is run with. In the
#: first three the loop stops early, and an update before the stopping test changes the result;
#: in the last one it runs to max_epochs. The stops are far from a tie: float32 rounding of the
#: loss (about 2e-7) does not move them.
EARLY_STOPPING_LR = 1e-2
EARLY_STOPPING_CASES = ((0.3, 5000), (50.0, 5000), (1e-3, 5000), (1e-3, 300))


def _scaled_data() -> tuple[torch.Tensor, torch.Tensor]:
    celsius, unknown = thermometer_readings()
    return 0.1 * unknown, celsius  # (11,), (11,)


def _hessian(u: torch.Tensor) -> torch.Tensor:
    """The Hessian ``2/N · DᵀD`` of the MSE of ``w·u + b``, with ``D = [u, 1]``, in float64."""
    design = torch.stack([u.double(), torch.ones_like(u, dtype=torch.float64)], dim=1)  # (N, 2)
    return 2 * design.T @ design / len(u)  # (2, 2)


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


# ----------------------------------------------------------------- in section 6: a prediction
def _steep_outcome(rate: float) -> str:
    factor = 1 - rate * torch.linalg.eigvalsh(_hessian(thermometer_readings()[1]))[-1].item()
    if factor >= 0:
        return STEEP_OUTCOMES[0]
    return STEEP_OUTCOMES[1] if factor > -1 else STEEP_OUTCOMES[2]


@check("03.steep_error", "the error along the steep direction", points=1)
def steep_error(predictions: Any) -> None:
    """Prediction: what gradient descent on the raw readings does to the error along the steep direction.

    ``predictions`` maps each learning rate of :data:`STEEP_RATES` to ``"shrinks"`` (keeps its
    sign and shrinks), ``"zigzags"`` (changes sign every step and shrinks) or ``"grows"``
    (changes sign every step and grows).
    """
    if not isinstance(predictions, dict):
        raise Wrong(
            f"give a dictionary {{learning rate: prediction}}, not a {type(predictions).__name__}",
            "keep the dictionary of the exercise cell and replace each ... by a word",
        )
    try:
        answers = {float(rate): answer for rate, answer in predictions.items()}
    except (TypeError, ValueError):
        answers = {}
    if set(answers) != set(STEEP_RATES):
        rates = ", ".join(f"{rate:g}" for rate in STEEP_RATES)
        raise Wrong(f"the dictionary's keys should be the four learning rates {rates}, unchanged")
    missing = [rate for rate in STEEP_RATES if is_stub(answers[rate])]
    if len(missing) == len(STEEP_RATES):
        raise NotAttempted
    words = " or ".join(f'"{word}"' for word in STEEP_OUTCOMES)
    if missing:
        raise Wrong(
            f"{len(missing)} of the {len(STEEP_RATES)} predictions are still `...`: give each one {words}"
        )
    unknown = [answer for answer in answers.values() if str(answer).strip().lower() not in STEEP_OUTCOMES]
    if unknown:
        raise Wrong(f"{unknown[0]!r} is not one of the three answers: write {words}")
    wrong = [rate for rate in STEEP_RATES if str(answers[rate]).strip().lower() != _steep_outcome(rate)]
    if wrong:
        raise Wrong(
            how_many_wrong(len(wrong), len(STEEP_RATES), "predictions"),
            "work out the factor 1 - lr·λ_max for each rate, with λ_max the steep curvature printed "
            "above: its sign says whether the error changes sign, its size whether it gets smaller",
            "after k steps the error is factorᵏ times the first one: a negative factor flips its sign "
            "at every step; |factor| < 1 makes it shrink, |factor| > 1 makes it grow",
        )


# ----------------------------------------------------------------- exercise 1
def _quadratic_reference(u: torch.Tensor, c: torch.Tensor, point: tuple[float, ...]) -> torch.Tensor:
    leaves = [torch.tensor(value, requires_grad=True) for value in point]
    loss = ((leaves[0] * u**2 + leaves[1] * u + leaves[2] - c) ** 2).mean()
    return torch.stack(torch.autograd.grad(loss, leaves))  # (3,)


@check("03.quadratic_gradient", "gradient of the quadratic model", points=2)
def quadratic_gradient(function: Any) -> None:
    """Exercise 1: the hand-derived gradient of the quadratic model, compared with autograd.

    ``function(u, c, w2, w1, b)`` must return ``[dL/dw2, dL/dw1, dL/db]`` (a tensor of shape
    ``(3,)``, or a list of three numbers) for ``L = mean((w2*u**2 + w1*u + b - c)**2)``. It is
    called on the scaled readings at :data:`QUADRATIC_POINT`, then on the three points of
    :data:`OTHER_DATA` at :data:`OTHER_POINT`.
    """
    hints = (
        "follow section 5: first dL/dpᵢ for each point, then multiply it by how pᵢ depends on "
        "each parameter, and sum over the points",
        "dL/dpᵢ = 2(pᵢ - cᵢ)/N; pᵢ depends on w2 through w2·uᵢ², on w1 through w1·uᵢ and on b "
        "through b; return the three sums in the order (w2, w1, b)",
    )
    scaled = _scaled_data()
    other = (torch.tensor(OTHER_DATA[0]), torch.tensor(OTHER_DATA[1]))
    for (u, c), point, where in (
        (scaled, QUADRATIC_POINT, "on the scaled readings"),
        (other, OTHER_POINT, f"on three other points, u = {list(OTHER_DATA[0])}"),
    ):
        values = [torch.tensor(value) for value in point]
        got = _as_vector(run(function, u.clone(), c.clone(), *values, name="quadratic_gradient"))
        expected = _quadratic_reference(u, c, point)
        name = f"your gradient {where}"
        try:
            value = torch.as_tensor(got).detach().cpu()
        except (TypeError, ValueError, RuntimeError):
            value = None
        if value is None or value.shape != expected.shape or value.is_complex() or value.dtype == torch.bool:
            compare(name, got, expected, *hints)  # raises: not real numbers, or the wrong shape
            continue
        value = value.double()
        close = torch.isclose(value, expected.double(), atol=1e-3, rtol=1e-4)
        wrong = [
            entry for entry, ok in zip(("dL/dw2", "dL/dw1", "dL/db"), close.tolist(), strict=True) if not ok
        ]
        if not wrong:
            continue
        diagnosis = ""
        if torch.allclose(value, expected.double() / 2, rtol=1e-3):
            diagnosis = "\nall three entries are off by the same factor"
        elif where != "on the scaled readings":
            diagnosis = (
                "\nright on the lesson's readings, wrong on other ones: does it use only its arguments, "
                "with N = u.numel() rather than 11?"
            )
        try:
            compare(f"{name} (wrong: {', '.join(wrong)})", got, expected, atol=1e-3, rtol=1e-4)
        except Wrong as wrong_values:
            raise Wrong(wrong_values.message + diagnosis, *hints) from None


# ----------------------------------------------------------------- exercise 2
def _stability_limit() -> float:
    """The learning rate above which gradient descent on the scaled data diverges: 2 / λ_max."""
    return 2 / torch.linalg.eigvalsh(_hessian(_scaled_data()[0]))[-1].item()


@check("03.largest_learning_rate", "largest learning rate", points=2)
def largest_learning_rate(answer: Any) -> None:
    """Exercise 2: the largest learning rate that still converges on the scaled inputs, within 1%.

    Converging means: after 5000 epochs of gradient descent from ``w=1, b=0`` the loss is below
    3.0. ``answer`` is one number (a float, or a tensor with one element).
    """
    try:
        rate = float(answer)
    except (TypeError, ValueError, RuntimeError):
        raise Wrong(f"give one number, such as 0.025, not {answer!r}") from None
    if not rate > 0:
        raise Wrong(f"{rate:g} is not a learning rate: gradient descent needs a positive one")
    limit = _stability_limit()
    raw_limit = 2 / torch.linalg.eigvalsh(_hessian(thermometer_readings()[1]))[-1].item()
    if abs(rate / raw_limit - 1) < 0.05:
        raise Wrong(
            f"{rate:g} is about the limit for the raw readings; this exercise trains on the "
            "scaled ones (0.1 times the readings), where the steep curvature is much smaller",
        )
    if rate > limit * 1.001:
        raise Wrong(
            f"at {rate:g} gradient descent diverges: the loss grows instead of falling below 3.0",
            "a step that large overshoots the minimum along the steep direction by more than it "
            "started from: try smaller rates",
        )
    if rate < limit * 0.99:
        raise Wrong(
            f"{rate:g} converges, but larger learning rates converge too",
            "keep raising the rate until the final loss is no longer below 3.0",
            "search between 0.02 and 0.04 on a finer grid (or by bisection)",
        )


# ----------------------------------------------------------------- exercise 3
def _gradient_step(
    u: torch.Tensor, c: torch.Tensor, params: torch.Tensor, lr: float = EARLY_STOPPING_LR
) -> torch.Tensor:
    predicted = params[0] * u + params[1]
    dloss_dpred = 2 * (predicted - c) / len(u)
    return params - lr * torch.stack([(dloss_dpred * u).sum(), dloss_dpred.sum()])


def _reference_early_stopping(
    u: torch.Tensor,
    c: torch.Tensor,
    min_delta: float,
    max_epochs: int,
    start: tuple[float, float] = (1.0, 0.0),
    lr: float = EARLY_STOPPING_LR,
) -> tuple[torch.Tensor, int]:
    params = torch.tensor(start)
    previous = None
    for epoch in range(1, max_epochs + 1):
        loss = ((params[0] * u + params[1] - c) ** 2).mean()
        if previous is not None and previous - loss < min_delta:
            return params, epoch
        previous = loss
        params = _gradient_step(u, c, params, lr)
    return params, max_epochs


def _read_pair(result: Any) -> tuple[torch.Tensor, int]:
    """``(params, epochs)`` as a (2,) float tensor and an int; :class:`Wrong` for anything else."""
    shape = "train_until_flat should return a pair (params, epochs): params a (2,) tensor [w, b]"
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise Wrong(f"{shape}; it returned {type(result).__name__} {result!r:.60}")
    params, epochs = result
    try:
        params = torch.as_tensor(_as_vector(params)).detach().float().cpu()
    except (TypeError, ValueError, RuntimeError):
        raise Wrong(f"{shape}; its params are {params!r:.60}") from None
    if params.shape != (2,):
        raise Wrong(f"{shape}; its params have shape {tuple(params.shape)}")
    try:
        count = float(epochs)
    except (TypeError, ValueError, RuntimeError):
        raise Wrong(f"{shape} and epochs a whole number; its epochs are {epochs!r:.60}") from None
    if count != int(count):
        raise Wrong(f"{shape} and epochs a whole number; its epochs are {count:g}")
    return params, int(count)


@check("03.early_stopping", "early stopping", points=3)
def early_stopping(function: Any) -> None:
    """Exercise 3: a training loop that stops when the loss improves by less than ``min_delta``.

    ``function(u, c, params, learning_rate, min_delta, max_epochs)`` must return
    ``(params, epochs)``. At each epoch it computes the loss of the current parameters; from the
    second epoch on, if the loss improved on the previous epoch's by less than ``min_delta``, it
    stops before updating and returns the parameters and the number of that epoch (counting
    from 1); otherwise it takes one gradient-descent step. After ``max_epochs`` epochs it
    returns the parameters and ``max_epochs``.

    It is run on the scaled readings from ``[1.0, 0.0]`` with the learning rate 1e-2, for each
    ``(min_delta, max_epochs)`` of :data:`EARLY_STOPPING_CASES`. The number of epochs must be
    exact, and the parameters must agree with the reference to 1e-4. All four runs are made
    before any is judged, so that a count one short in every run (epochs numbered from 0) is told
    apart from a loop that stops one epoch early.
    """
    u, c = _scaled_data()
    runs = []  # (case, max_epochs, params, epochs, want_params, want_epochs), one per case
    for min_delta, max_epochs in EARLY_STOPPING_CASES:
        result = run(
            function,
            u.clone(),
            c.clone(),
            torch.tensor([1.0, 0.0]),
            EARLY_STOPPING_LR,
            min_delta,
            max_epochs,
            name="train_until_flat",
        )
        params, epochs = _read_pair(result)
        want_params, want_epochs = _reference_early_stopping(u, c, min_delta, max_epochs)
        case = f"with min_delta={min_delta:g}, max_epochs={max_epochs}"
        runs.append((case, max_epochs, params, epochs, want_params, want_epochs))
    if all(epochs == want_epochs - 1 for _, _, _, epochs, _, want_epochs in runs):
        _counted_from_zero(all(_close(params, want) for _, _, params, _, want, _ in runs))
    for case, max_epochs, params, epochs, want_params, want_epochs in runs:
        if epochs != want_epochs:
            _wrong_epochs(case, epochs, want_epochs, max_epochs)
        if _close(params, _gradient_step(u, c, want_params)):
            raise Wrong(
                f"{case}: it stops at the right epoch, but the parameters it returns have had one "
                "update too many",
                "the parameters to return are the ones whose loss triggered the stop: run the "
                "stopping test before the update, and break out of the loop at once",
            )
        compare(
            f"{case}: it stops at the right epoch, but the parameters it returns",
            params,
            want_params,
            "return the parameters as they are when the stopping test fires, and update them "
            "exactly as section 5 does (params - learning_rate * gradient)",
            atol=1e-4,
            rtol=1e-5,
        )
    _only_its_arguments(function, u, c)


def _only_its_arguments(function: Any, u: torch.Tensor, c: torch.Tensor) -> None:
    """Wrong unless the loop also follows other readings, another start and another learning rate.

    A loop that reads the lesson's data or learning rate from the notebook's globals, instead of
    its arguments, passes the four cases on the lesson's readings and fails here.
    """
    gen = generator(3)
    other_u = u[: fresh(8, 5, 11)] * 0.8 + 0.1 * torch.rand(1, generator=gen)
    other_c = c[: len(other_u)] + 3.0 + torch.randn(len(other_u), generator=gen)
    start, lr, min_delta, max_epochs = (0.5, -0.5), 5e-3, 1e-3, 2000
    result = run(
        function,
        other_u.clone(),
        other_c.clone(),
        torch.tensor(start),
        lr,
        min_delta,
        max_epochs,
        name="train_until_flat",
    )
    params, epochs = _read_pair(result)
    want_params, want_epochs = _reference_early_stopping(other_u, other_c, min_delta, max_epochs, start, lr)
    if epochs != want_epochs or not _close(params, want_params):
        raise Wrong(
            f"on {len(other_u)} other readings, from params {list(start)} with learning_rate {lr:g}, it "
            f"stopped at epoch {epochs} with params {params.tolist()}, which is not what those "
            "arguments give",
            "use only the function's arguments: u, c, params, learning_rate, min_delta and max_epochs, "
            "never the notebook's data, learning rate or starting parameters",
        )


def _close(params: torch.Tensor, want: torch.Tensor) -> bool:
    return torch.allclose(params, want, atol=1e-4, rtol=1e-5)


def _counted_from_zero(params_right: bool) -> NoReturn:
    """Raise :class:`Wrong` for a loop whose epoch count is one short in every case, full run included."""
    message = (
        "in every run, the one that runs all its epochs included, the epoch it returns is one "
        "less than it should be"
    )
    if params_right:
        message += ", and the parameters are right: it counts the epochs from 0"
    else:
        message += ": it counts the epochs from 0 (and the parameters are not all right either)"
    raise Wrong(
        message,
        "in this exercise the epochs are counted from 1: the first epoch is epoch 1, and a loop "
        "that runs all max_epochs epochs returns max_epochs",
    )


def _wrong_epochs(case: str, epochs: int, want_epochs: int, max_epochs: int) -> NoReturn:
    """Raise :class:`Wrong` for a loop that stopped at ``epochs`` instead of ``want_epochs``."""
    rule = (
        "keep the previous epoch's loss; stop as soon as previous_loss - loss < min_delta, "
        "and return the number of the epoch at which you stopped"
    )
    if epochs > max_epochs:
        early = ", and it never stopped early" if want_epochs < max_epochs else ""
        raise Wrong(
            f"{case}: it returned {epochs} epochs, more than max_epochs: the count is past the limit{early}",
            "the loop runs at most max_epochs epochs, numbered from 1; when it runs them all, the "
            "epoch to return is the last one it ran, max_epochs, not a counter one past it",
        )
    if epochs == max_epochs:
        raise Wrong(f"{case}: it never stopped early: it ran all {max_epochs} epochs", rule)
    if epochs <= 1:
        raise Wrong(
            f"{case}: it stopped at epoch {epochs}",
            "at the first epoch there is no previous loss to compare with: it never stops there",
        )
    if epochs == want_epochs - 1:
        raise Wrong(
            f"{case}: it stopped one epoch too early",
            "compare the loss of the parameters as they are at the start of the epoch with the "
            "previous epoch's loss, and count epochs from 1",
            "look at which loss you compare: the test must use the loss computed before this "
            "epoch's update, not the loss after it",
        )
    if epochs == want_epochs + 1:
        raise Wrong(
            f"{case}: it stopped one epoch too late",
            "stop at the first epoch whose improvement is below min_delta, before updating",
        )
    too = "early" if epochs < want_epochs else "late"
    raise Wrong(f"{case}: it stopped at epoch {epochs}, too {too}", rule)
