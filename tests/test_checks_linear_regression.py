"""Every check of notebook 03: its stub, its right answer, and plausible wrong answers.

For the wrong answers the tests also make sure that what is printed names the problem and does
not give away the reference's numbers or words.
"""

import itertools

import pytest
import torch

from course_utils.checks import core
from course_utils.checks import linear_regression as checks


@pytest.fixture(autouse=True)
def first_try():
    """Each test starts from a first wrong try, so the first (nudge) hint is shown first."""
    for exercise in list(core._wrong_tries):
        if exercise.startswith("03."):
            core._wrong_tries.pop(exercise)


# ----------------------------------------------------------------- in section 5: a prediction
STEEP_RIGHT = {1e-4: "shrinks", 2e-4: "zigzags", 3.3e-4: "zigzags", 4e-4: "grows"}


def test_steep_error_stub_and_right_answer(verdict_of):
    assert checks.steep_error(...).status == "not attempted"
    assert checks.steep_error(dict.fromkeys(checks.STEEP_RATES, ...)).status == "not attempted"
    capitals = {rate: f" {word.capitalize()} " for rate, word in STEEP_RIGHT.items()}
    for answer in (STEEP_RIGHT, capitals):
        ok, out = verdict_of(checks.steep_error(answer))
        assert ok and "correct" in out


def outcome_words_in(text):
    return [word for word in checks.STEEP_OUTCOMES if word in text]


def test_steep_error_counts_the_wrong_rates_and_names_no_answer(verdict_of):
    # 2e-4 is above 1/λ_max: the factor is negative, so the error flips sign
    smooth_below_the_limit = {**STEEP_RIGHT, 2e-4: "shrinks"}
    ok, out = verdict_of(checks.steep_error(smooth_below_the_limit))
    assert not ok and "1 of your 4 predictions is wrong" in out and "0.0002" not in out
    assert "hint: work out the factor 1 - lr·λ_max" in out
    assert not outcome_words_in(out)
    # 3.3e-4 is just below the limit 2/λ_max: it still converges
    everything_near_the_limit_grows = {**STEEP_RIGHT, 3.3e-4: "grows", 2e-4: "grows"}
    ok, out = verdict_of(checks.steep_error(everything_near_the_limit_grows))
    assert not ok and "2 of your 4 predictions are wrong" in out and "0.00033" not in out
    assert "hint: after k steps the error is factorᵏ times" in out  # the second try: the fuller hint
    assert not outcome_words_in(out)


def test_steep_error_partly_filled_or_malformed(verdict_of):
    result = checks.steep_error({**STEEP_RIGHT, 3.3e-4: ..., 4e-4: ...})
    assert result.status == "wrong" and "2 of the 4 predictions are still `...`" in result.feedback
    ok, out = verdict_of(checks.steep_error({**STEEP_RIGHT, 4e-4: "diverges"}))
    assert not ok and "'diverges' is not one of the three answers" in out
    ok, out = verdict_of(checks.steep_error({1e-4: "shrinks", 1e-2: "grows"}))
    assert not ok and "keys should be the four learning rates" in out
    ok, out = verdict_of(checks.steep_error(["shrinks", "zigzags", "zigzags", "grows"]))
    assert not ok and "give a dictionary" in out


def test_steep_error_answers_are_what_gradient_descent_does():
    celsius, unknown = checks.thermometer_readings()
    hessian = checks._hessian(unknown)
    steep = torch.linalg.eigh(hessian).eigenvectors[:, -1]  # (2,)
    design = torch.stack([unknown.double(), torch.ones(11, dtype=torch.float64)], dim=1)  # (11, 2)
    optimum = torch.linalg.lstsq(design, celsius.double().unsqueeze(1)).solution.flatten()  # (2,)
    for rate, outcome in STEEP_RIGHT.items():
        params, errors = torch.tensor([1.0, 0.0], dtype=torch.float64), []
        for _ in range(4):
            errors.append(((params - optimum) @ steep).item())
            params = params - rate * (hessian @ (params - optimum))  # the gradient of the MSE
        ratios = [after / before for before, after in itertools.pairwise(errors)]
        flips = all(ratio < 0 for ratio in ratios)
        shrinks = all(abs(ratio) < 1 for ratio in ratios)
        assert outcome == ("grows" if not shrinks else "zigzags" if flips else "shrinks")
        assert checks._steep_outcome(rate) == outcome


# ----------------------------------------------------------------- exercise 1
def quadratic_gradient(u, c, w2, w1, b):
    dloss_dpred = 2 * (w2 * u**2 + w1 * u + b - c) / u.numel()
    return torch.stack([(dloss_dpred * u**2).sum(), (dloss_dpred * u).sum(), dloss_dpred.sum()])


def printed_numbers_of(vector):
    """The ways a reference gradient could show up in a message: 4 significant digits, 1 or 2 decimals."""
    shown = [f"{value:{form}}" for value in vector.tolist() for form in (".4g", ".1f", ".2f")]
    return [text for text in shown if len(text) >= 3]


def quadratic_references():
    u, c = checks._scaled_data()
    other = torch.tensor(checks.OTHER_DATA[0]), torch.tensor(checks.OTHER_DATA[1])
    return (
        checks._quadratic_reference(u, c, checks.QUADRATIC_POINT),
        checks._quadratic_reference(*other, checks.OTHER_POINT),
    )


def test_quadratic_gradient_stub_and_right_answers(verdict_of):
    def stub(u, c, w2, w1, b):
        raise NotImplementedError

    assert checks.quadratic_gradient(stub).status == "not attempted"
    assert checks.quadratic_gradient(...).status == "not attempted"
    assert verdict_of(checks.quadratic_gradient(quadratic_gradient))[0]
    # a list of three scalars is accepted as well as a (3,) tensor
    assert verdict_of(checks.quadratic_gradient(lambda *args: list(quadratic_gradient(*args))))[0]


def test_quadratic_gradient_wrong_answers(verdict_of):
    def without_the_two(u, c, w2, w1, b):  # d/dp of (p - c)**2 taken as (p - c)
        return quadratic_gradient(u, c, w2, w1, b) / 2

    def u_for_w2(u, c, w2, w1, b):  # dp/dw2 taken as u instead of u**2
        dloss_dpred = 2 * (w2 * u**2 + w1 * u + b - c) / u.numel()
        return torch.stack([(dloss_dpred * u).sum(), (dloss_dpred * u).sum(), dloss_dpred.sum()])

    def not_summed(u, c, w2, w1, b):  # one gradient per point
        dloss_dpred = 2 * (w2 * u**2 + w1 * u + b - c) / u.numel()
        return torch.stack([dloss_dpred * u**2, dloss_dpred * u, dloss_dpred])

    def eleven_points(u, c, w2, w1, b):  # N written as 11: right on the lesson's data only
        return quadratic_gradient(u, c, w2, w1, b) * u.numel() / 11

    hidden = [number for reference in quadratic_references() for number in printed_numbers_of(reference)]
    ok, out = verdict_of(checks.quadratic_gradient(without_the_two))
    assert (
        not ok
        and "wrong: dL/dw2, dL/dw1, dL/db" in out
        and "all three entries are off by the same factor" in out
    )
    assert "largest difference" in out and not [number for number in hidden if number in out]
    ok, out = verdict_of(checks.quadratic_gradient(u_for_w2))
    assert not ok and "(wrong: dL/dw2)" in out and "on the scaled readings" in out
    assert "hint: dL/dpᵢ = 2(pᵢ - cᵢ)/N" in out  # the second wrong try: the fuller hint
    right_dw2 = printed_numbers_of(quadratic_references()[0][:1])  # its dL/dw1 and dL/db are right
    assert not [number for number in right_dw2 if number in out]
    ok, out = verdict_of(checks.quadratic_gradient(not_summed))
    assert not ok and "has shape (3, 11); it should have shape (3,)" in out
    ok, out = verdict_of(checks.quadratic_gradient(eleven_points))
    assert not ok and "on three other points" in out and "N = u.numel() rather than 11" in out
    assert not [number for number in hidden if number in out]


def test_quadratic_gradient_forgotten_return_and_error(verdict_of):
    def forgot(u, c, w2, w1, b):
        quadratic_gradient(u, c, w2, w1, b)

    def broken(u, c, w2, w1, b):
        return torch.stack([u.sum(), c])  # shapes () and (11,)

    ok, out = verdict_of(checks.quadratic_gradient(forgot))
    assert not ok and "did you forget `return`?" in out
    result = checks.quadratic_gradient(broken)
    assert result.status == "raised" and "RuntimeError" in result.feedback


# ----------------------------------------------------------------- exercise 2
def test_largest_learning_rate_stub_and_right_answers(verdict_of):
    assert checks.largest_learning_rate(...).status == "not attempted"
    assert verdict_of(checks.largest_learning_rate(0.0329))[0]
    assert verdict_of(checks.largest_learning_rate(torch.tensor(0.03295)))[0]


LIMIT_DIGITS = ("0.033", "0.0329", "0.03298", "0.0330")


def test_largest_learning_rate_wrong_answers_do_not_show_the_limit(verdict_of):
    # the learning rate the lesson used: it converges, but it is not the largest
    ok, out = verdict_of(checks.largest_learning_rate(1e-2))
    assert not ok and "converges, but larger learning rates converge too" in out
    assert "hint: keep raising the rate" in out
    ok, out = verdict_of(checks.largest_learning_rate(0.025))
    assert not ok and "hint: search between 0.02 and 0.04" in out  # the second try: the range
    # just above the limit: diverges
    ok, out = verdict_of(checks.largest_learning_rate(0.034))
    assert not ok and "diverges" in out and "try smaller rates" in out
    # 2 / 60.6 rounded up to 0.034 would be wrong; so is the limit for the raw, unscaled readings
    ok, out = verdict_of(checks.largest_learning_rate(0.00034))
    assert not ok and "the limit for the raw readings" in out
    for answer in (1e-2, 0.025, 0.034, 0.00034, 0.5):
        out = verdict_of(checks.largest_learning_rate(answer))[1]
        assert not [digits for digits in LIMIT_DIGITS if digits in out], out


def test_largest_learning_rate_not_a_rate(verdict_of):
    ok, out = verdict_of(checks.largest_learning_rate("fast"))
    assert not ok and "give one number" in out
    ok, out = verdict_of(checks.largest_learning_rate(torch.tensor([0.02, 0.03])))
    assert not ok and "give one number" in out
    ok, out = verdict_of(checks.largest_learning_rate(-0.03))
    assert not ok and "needs a positive one" in out
    ok, out = verdict_of(checks.largest_learning_rate(float("nan")))
    assert not ok and "needs a positive one" in out


def test_largest_learning_rate_is_where_gradient_descent_stops_converging():
    u, c = checks._scaled_data()
    limit = checks._stability_limit()
    assert abs(limit - 0.032978) < 1e-5
    rates = torch.tensor([[limit * 0.995], [limit * 1.005]])  # (2, 1)
    w, b = torch.ones(2, 1), torch.zeros(2, 1)
    for _ in range(checks.STABILITY_EPOCHS):
        dloss_dpred = 2 * (w * u + b - c) / len(u)
        w, b = (
            w - rates * (dloss_dpred * u).sum(1, keepdim=True),
            b - rates * dloss_dpred.sum(1, keepdim=True),
        )
    final = ((w * u + b - c) ** 2).mean(1)
    assert final[0] < checks.STABILITY_LOSS and not final[1] < checks.STABILITY_LOSS


# ----------------------------------------------------------------- exercise 3
def train_until_flat(u, c, params, learning_rate, min_delta, max_epochs):
    previous = None
    for epoch in range(1, max_epochs + 1):
        predicted = params[0] * u + params[1]
        loss = ((predicted - c) ** 2).mean()
        if previous is not None and previous - loss < min_delta:
            break
        previous = loss
        dloss_dpred = 2 * (predicted - c) / len(u)
        params = params - learning_rate * torch.stack([(dloss_dpred * u).sum(), dloss_dpred.sum()])
    return params, epoch


def with_autograd(u, c, params, learning_rate, min_delta, max_epochs):
    params = params.clone().requires_grad_(True)
    previous = None
    for epoch in range(1, max_epochs + 1):
        loss = ((params[0] * u + params[1] - c) ** 2).mean()
        if previous is not None and previous - loss.item() < min_delta:
            break
        previous = loss.item()
        params.grad = None
        loss.backward()
        with torch.no_grad():
            params -= learning_rate * params.grad
    return params.detach(), epoch


def with_an_optimizer_in_float64(u, c, params, learning_rate, min_delta, max_epochs):
    params = params.double().requires_grad_(True)
    optimizer = torch.optim.SGD([params], lr=learning_rate)
    previous = float("inf")
    for epoch in range(1, max_epochs + 1):
        loss = torch.nn.functional.mse_loss(params[0] * u.double() + params[1], c.double())
        if previous - loss.item() < min_delta:
            return params.detach(), torch.tensor(epoch)
        previous = loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return params.detach().tolist(), max_epochs


def update_first(u, c, params, learning_rate, min_delta, max_epochs):
    """The update runs before the stopping test: the right epoch, one update too many."""
    previous = None
    for epoch in range(1, max_epochs + 1):
        predicted = params[0] * u + params[1]
        loss = ((predicted - c) ** 2).mean()
        dloss_dpred = 2 * (predicted - c) / len(u)
        params = params - learning_rate * torch.stack([(dloss_dpred * u).sum(), dloss_dpred.sum()])
        if previous is not None and previous - loss < min_delta:
            break
        previous = loss
    return params, epoch


def compares_after_the_update(u, c, params, learning_rate, min_delta, max_epochs):
    """Updates, then compares the new loss with the old one: the right parameters, one epoch early."""
    loss = ((params[0] * u + params[1] - c) ** 2).mean()
    for epoch in range(1, max_epochs + 1):
        dloss_dpred = 2 * (params[0] * u + params[1] - c) / len(u)
        params = params - learning_rate * torch.stack([(dloss_dpred * u).sum(), dloss_dpred.sum()])
        new_loss = ((params[0] * u + params[1] - c) ** 2).mean()
        if loss - new_loss < min_delta:
            break
        loss = new_loss
    return params, epoch


REFERENCE_DIGITS = ("1330", "5.044", "-15.47", "1.776", "0.1064", "2.262", "0.1004")


def test_early_stopping_stub_and_right_answers(verdict_of):
    def stub(u, c, params, learning_rate, min_delta, max_epochs):
        raise NotImplementedError

    assert checks.early_stopping(stub).status == "not attempted"
    assert checks.early_stopping(...).status == "not attempted"
    for right in (train_until_flat, with_autograd, with_an_optimizer_in_float64):
        ok, out = verdict_of(checks.early_stopping(right))
        assert ok, out


def test_early_stopping_catches_the_update_before_the_test(verdict_of):
    ok, out = verdict_of(checks.early_stopping(update_first))
    assert not ok and "the right epoch, but the parameters it returns have had one update too many" in out
    assert "run the stopping test before the update" in out
    assert not [digits for digits in REFERENCE_DIGITS if digits in out]
    ok, out = verdict_of(checks.early_stopping(compares_after_the_update))
    assert not ok and "with min_delta=0.3, max_epochs=5000: it stopped one epoch too early" in out
    assert "hint: look at which loss you compare" in out  # second try: the fuller hint
    assert not [digits for digits in REFERENCE_DIGITS if digits in out]


def test_early_stopping_is_judged_at_small_min_delta_too(verdict_of):
    """At min_delta=1e-3 the extra update moves the parameters by 0.003: the old check's 0.005 let it pass."""
    u, c = checks._scaled_data()
    want, epochs = checks._reference_early_stopping(u, c, 1e-3, 5000)
    one_more = checks._gradient_step(u, c, want)
    assert epochs == 1330 and 1e-3 < (one_more - want).abs().max() < 5e-3

    def late_update_only_when_small(u, c, params, learning_rate, min_delta, max_epochs):
        if min_delta < 0.1:
            return update_first(u, c, params, learning_rate, min_delta, max_epochs)
        return train_until_flat(u, c, params, learning_rate, min_delta, max_epochs)

    ok, out = verdict_of(checks.early_stopping(late_update_only_when_small))
    assert not ok and "with min_delta=0.001, max_epochs=5000" in out and "one update too many" in out

    def off_by_a_little(u, c, params, learning_rate, min_delta, max_epochs):
        params, epoch = train_until_flat(u, c, params, learning_rate, min_delta, max_epochs)
        return params + torch.tensor([0.0, 1e-3]), epoch

    ok, out = verdict_of(checks.early_stopping(off_by_a_little))
    assert not ok and "the largest difference from the right values is about 1e-03" in out
    assert not [digits for digits in REFERENCE_DIGITS if digits in out]


def test_early_stopping_other_wrong_answers(verdict_of):
    def never_stops(u, c, params, learning_rate, min_delta, max_epochs):
        return train_until_flat(u, c, params, learning_rate, -float("inf"), max_epochs)

    def sign_flipped(u, c, params, learning_rate, min_delta, max_epochs):
        previous = None
        for epoch in range(1, max_epochs + 1):
            predicted = params[0] * u + params[1]
            loss = ((predicted - c) ** 2).mean()
            if previous is not None and loss - previous < min_delta:  # always true while improving
                break
            previous = loss
            dloss_dpred = 2 * (predicted - c) / len(u)
            params = params - learning_rate * torch.stack([(dloss_dpred * u).sum(), dloss_dpred.sum()])
        return params, epoch

    def starts_from_zero(u, c, params, learning_rate, min_delta, max_epochs):  # previous = 0
        return params, 1

    def counts_from_zero(u, c, params, learning_rate, min_delta, max_epochs):
        params, epoch = train_until_flat(u, c, params, learning_rate, min_delta, max_epochs)
        return params, epoch - 1

    ok, out = verdict_of(checks.early_stopping(never_stops))
    assert not ok and "it never stopped early: it ran all 5000 epochs" in out
    ok, out = verdict_of(checks.early_stopping(sign_flipped))
    assert not ok and "with min_delta=0.3, max_epochs=5000: it stopped at epoch 2, too early" in out
    assert "previous_loss - loss < min_delta" in out
    ok, out = verdict_of(checks.early_stopping(starts_from_zero))
    assert not ok and "stopped at epoch 1" in out and "no previous loss" in out
    for answer in (never_stops, sign_flipped):
        out = verdict_of(checks.early_stopping(answer))[1]
        assert not [digits for digits in REFERENCE_DIGITS if digits in out]


def test_early_stopping_malformed_results_and_forgotten_return(verdict_of):
    def only_params(*args):
        return train_until_flat(*args)[0]

    def forgot(*args):
        train_until_flat(*args)

    def three_params(*args):
        params, epoch = train_until_flat(*args)
        return torch.cat([params, params[:1]]), epoch

    ok, out = verdict_of(checks.early_stopping(only_params))
    assert not ok and "should return a pair (params, epochs)" in out
    ok, out = verdict_of(checks.early_stopping(three_params))
    assert not ok and "its params have shape (3,)" in out
    ok, out = verdict_of(checks.early_stopping(lambda *args: (train_until_flat(*args)[0], 2.5)))
    assert not ok and "its epochs are 2.5" in out
    ok, out = verdict_of(checks.early_stopping(forgot))
    assert not ok and "did you forget `return`?" in out


def test_early_stopping_cases_stop_far_from_a_tie():
    """Each stop's improvement is several float32 steps of the loss (about 2e-7) away from min_delta."""
    u, c = checks._scaled_data()
    for min_delta, max_epochs in checks.EARLY_STOPPING_CASES:
        params, previous = torch.tensor([1.0, 0.0]), None
        for _ in range(max_epochs):
            loss = ((params[0] * u + params[1] - c) ** 2).mean()
            if previous is not None:
                assert abs((previous - loss).item() - min_delta) > 1.5e-6
                if previous - loss < min_delta:
                    break
            previous, params = loss, checks._gradient_step(u, c, params)


def one_past_the_limit(u, c, params, learning_rate, min_delta, max_epochs):
    """Counts with a while loop and returns the counter, one past max_epochs when it runs them all."""
    previous, epoch = None, 1
    while epoch <= max_epochs:
        predicted = params[0] * u + params[1]
        loss = ((predicted - c) ** 2).mean()
        if previous is not None and previous - loss < min_delta:
            return params, epoch
        previous = loss
        dloss_dpred = 2 * (predicted - c) / len(u)
        params = params - learning_rate * torch.stack([(dloss_dpred * u).sum(), dloss_dpred.sum()])
        epoch += 1
    return params, epoch


def test_early_stopping_a_count_past_the_limit(verdict_of):
    """It used to be told "it never stopped early: it ran all 300 epochs", which it did, and rightly."""
    ok, out = verdict_of(checks.early_stopping(one_past_the_limit))
    assert not ok
    assert (
        "with min_delta=0.001, max_epochs=300: it returned 301 epochs, more than max_epochs: "
        "the count is past the limit\n" in out
    )
    assert "never stopped early" not in out and "ran all" not in out
    assert "hint: the loop runs at most max_epochs epochs, numbered from 1" in out

    def never_stops_one_past(u, c, params, learning_rate, min_delta, max_epochs):
        return one_past_the_limit(u, c, params, learning_rate, -float("inf"), max_epochs)

    ok, out = verdict_of(checks.early_stopping(never_stops_one_past))
    assert not ok and "with min_delta=0.3, max_epochs=5000: it returned 5001 epochs" in out
    assert "the count is past the limit, and it never stopped early" in out


def test_early_stopping_epochs_counted_from_zero(verdict_of):
    """It used to be told "stopped one epoch too early" and then to compare losses before the update."""

    def counts_from_zero(u, c, params, learning_rate, min_delta, max_epochs):  # range(max_epochs) as the loop
        params, epoch = train_until_flat(u, c, params, learning_rate, min_delta, max_epochs)
        return params, epoch - 1

    def from_zero_and_update_first(u, c, params, learning_rate, min_delta, max_epochs):
        params, epoch = update_first(u, c, params, learning_rate, min_delta, max_epochs)
        return params, epoch - 1

    message = (
        "in every run, the one that runs all its epochs included, the epoch it returns is one less "
        "than it should be"
    )
    hint = (
        "hint: in this exercise the epochs are counted from 1: the first epoch is epoch 1, and a loop "
        "that runs all max_epochs epochs returns max_epochs"
    )
    for attempt in range(2):  # the same hint on the second try
        ok, out = verdict_of(checks.early_stopping(counts_from_zero))
        assert not ok and f"{message}, and the parameters are right: it counts the epochs from 0\n" in out
        assert hint in out
        assert "too early" not in out and "before this epoch's update" not in out
        assert not [digits for digits in REFERENCE_DIGITS if digits in out]
    ok, out = verdict_of(checks.early_stopping(from_zero_and_update_first))
    assert not ok and f"{message}: it counts the epochs from 0 (and the parameters are not all right" in out
    # comparing after the update is one early only where it stops early: not a count from 0
    ok, out = verdict_of(checks.early_stopping(compares_after_the_update))
    assert not ok and "it stopped one epoch too early" in out and "from 0" not in out


def test_quadratic_gradient_shows_no_exact_difference(verdict_of):
    """Only the order of magnitude of a difference: with the learner's value it would give the answer."""

    def db_off(u, c, w2, w1, b):
        return quadratic_gradient(u, c, w2, w1, b) + torch.tensor([0.0, 0.0, 0.123456])

    right_db = printed_numbers_of(quadratic_references()[0][2:])  # the learner's other two are right
    ok, out = verdict_of(checks.quadratic_gradient(db_off))
    assert not ok and "(wrong: dL/db)" in out
    assert "1 of 3 entries are off, the largest difference from the right values is about 1e-01" in out
    assert "0.123" not in out and "0.12" not in out and not [number for number in right_db if number in out]


def test_early_stopping_uses_only_its_arguments(verdict_of):
    from course_utils.data import thermometer_readings

    celsius, unknown = thermometer_readings()
    lesson_u, lesson_c = 0.1 * unknown, celsius

    def reads_the_notebooks_data(u, c, params, learning_rate, min_delta, max_epochs):
        return train_until_flat(lesson_u, lesson_c, params, learning_rate, min_delta, max_epochs)

    def hard_codes_the_learning_rate(u, c, params, learning_rate, min_delta, max_epochs):
        return train_until_flat(u, c, params, 1e-2, min_delta, max_epochs)

    def hard_codes_the_start(u, c, params, learning_rate, min_delta, max_epochs):
        return train_until_flat(u, c, torch.tensor([1.0, 0.0]), learning_rate, min_delta, max_epochs)

    for wrong in (reads_the_notebooks_data, hard_codes_the_learning_rate, hard_codes_the_start):
        ok, out = verdict_of(checks.early_stopping(wrong))
        assert not ok and "use only the function's arguments" in out, wrong.__name__
