"""Every check of notebook 03: stub, right answer, and at least one plausible wrong answer."""

import torch

from course_utils.checks import linear_regression as checks


# ----------------------------------------------------------------- exercise 1
def quadratic_gradient(u, c, w2, w1, b):
    dloss_dpred = 2 * (w2 * u**2 + w1 * u + b - c) / u.numel()
    return torch.stack([(dloss_dpred * u**2).sum(), (dloss_dpred * u).sum(), dloss_dpred.sum()])


def test_quadratic_gradient(verdict_of):
    def stub(u, c, w2, w1, b):
        raise NotImplementedError

    def without_the_two(u, c, w2, w1, b):  # d/dp of (p - c)**2 taken as (p - c)
        return quadratic_gradient(u, c, w2, w1, b) / 2

    def u_for_w2(u, c, w2, w1, b):  # dp/dw2 taken as u instead of u**2
        dloss_dpred = 2 * (w2 * u**2 + w1 * u + b - c) / u.numel()
        return torch.stack([(dloss_dpred * u).sum(), (dloss_dpred * u).sum(), dloss_dpred.sum()])

    def not_summed(u, c, w2, w1, b):  # one gradient per point
        dloss_dpred = 2 * (w2 * u**2 + w1 * u + b - c) / u.numel()
        return torch.stack([dloss_dpred * u**2, dloss_dpred * u, dloss_dpred])

    assert "not attempted" in verdict_of(checks.quadratic_gradient(stub))[1]
    assert "not attempted" in verdict_of(checks.quadratic_gradient(...))[1]
    assert verdict_of(checks.quadratic_gradient(quadratic_gradient))[0]
    # a list of three scalars is accepted as well as a (3,) tensor
    as_list = lambda *args: list(quadratic_gradient(*args))  # noqa: E731
    assert verdict_of(checks.quadratic_gradient(as_list))[0]
    ok, out = verdict_of(checks.quadratic_gradient(without_the_two))
    assert not ok and "expected: tensor([-613.9" in out and "2*(p - c)/N" in out
    ok, out = verdict_of(checks.quadratic_gradient(u_for_w2))
    assert not ok and "dp/dw2 = u**2" in out
    ok, out = verdict_of(checks.quadratic_gradient(not_summed))
    assert not ok and "shape (3,)" in out and "sum over the points" in out


# ----------------------------------------------------------------- exercise 2
def test_stability_limit_is_two_over_the_largest_curvature():
    assert abs(checks.stability_limit() - 0.032978) < 1e-5


def test_largest_learning_rate(verdict_of):
    assert "not attempted" in verdict_of(checks.largest_learning_rate(...))[1]
    assert verdict_of(checks.largest_learning_rate(0.0329))[0]
    assert verdict_of(checks.largest_learning_rate(torch.tensor(0.03295)))[0]
    # the learning rate the lesson used: it converges, but it is not the largest
    ok, out = verdict_of(checks.largest_learning_rate(1e-2))
    assert not ok and "to within 1%" in out and "so do larger rates" in out
    # just above the limit: diverges
    ok, out = verdict_of(checks.largest_learning_rate(0.034))
    assert not ok and "the loss grows" in out
    # the limit for the raw, unscaled readings
    ok, out = verdict_of(checks.largest_learning_rate(0.00034))
    assert not ok and "so do larger rates" in out
    ok, out = verdict_of(checks.largest_learning_rate("fast"))
    assert not ok and "not a number" in out


def test_largest_learning_rate_is_where_gradient_descent_stops_converging():
    u, c = checks._scaled_data()
    limit = checks.stability_limit()
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


def test_early_stopping(verdict_of):
    def stub(u, c, params, learning_rate, min_delta, max_epochs):
        raise NotImplementedError

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

    def only_params(*args):
        return train_until_flat(*args)[0]

    assert "not attempted" in verdict_of(checks.early_stopping(stub))[1]
    assert verdict_of(checks.early_stopping(train_until_flat))[0]
    assert verdict_of(checks.early_stopping(with_autograd))[0]
    ok, out = verdict_of(checks.early_stopping(never_stops))
    assert not ok and "stops at epoch 1330" in out and "never stopped early" in out
    ok, out = verdict_of(checks.early_stopping(sign_flipped))
    assert not ok and "got:      stops at epoch 2" in out and "previous_loss - loss" in out
    ok, out = verdict_of(checks.early_stopping(only_params))
    assert not ok and "a pair (params, epochs)" in out
