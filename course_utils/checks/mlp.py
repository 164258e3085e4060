"""Checks for the exercises of notebook 04 (an MLP and the building blocks of ``torch.nn``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from course_utils.check import Verdict, call, check_equal, verdict


def _own_random_state(check: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """Run ``check`` on a copy of torch's global CPU random state: checking leaves it untouched."""

    @functools.wraps(check)
    def wrapper(*args: Any) -> Verdict:
        with torch.random.fork_rng(devices=[]):
            return check(*args)

    return wrapper


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [child for child in module.modules() if isinstance(child, nn.Linear)]


@_own_random_state
def skip_block(block_class: Any) -> Verdict:
    """Exercise 1: ``SkipBlock(n)`` returns ``x + linear2(relu(linear1(x)))``, layers ``n -> n``.

    Example:
        >>> class SkipBlock(nn.Module):
        ...     def __init__(self, n_features):
        ...         super().__init__()
        ...         self.linear1 = nn.Linear(n_features, n_features)
        ...         self.linear2 = nn.Linear(n_features, n_features)
        ...     def forward(self, x):
        ...         return x + self.linear2(torch.relu(self.linear1(x)))
        >>> skip_block(SkipBlock)
        ✅ SkipBlock: correct
        True
    """
    name = "SkipBlock"
    n_features = 4
    torch.manual_seed(0)  # a fixed start (the global state is restored afterwards)
    done, block = call(block_class, n_features, name="SkipBlock")
    if not done:
        return verdict(name, None)
    if isinstance(block, str):  # the constructor raised: the message says what
        return verdict(name, False, expected="SkipBlock(4) to build a module", got=block)
    if not isinstance(block, nn.Module):
        return verdict(
            name,
            False,
            expected="an nn.Module",
            got=type(block).__name__,
            hint="subclass nn.Module and call super().__init__() first",
        )
    n_params = sum(parameter.numel() for parameter in block.parameters())
    expected_params = 2 * (n_features**2 + n_features)
    if n_params != expected_params:
        return verdict(
            name,
            False,
            expected=f"{expected_params} parameters for SkipBlock(4)",
            got=f"{n_params} parameters",
            hint=(
                "two nn.Linear(n_features, n_features) layers with biases, stored as attributes "
                "(a plain Python list hides them from parameters()); the skip itself has none"
            ),
        )
    linears = _linears(block)
    if len(linears) != 2:
        return verdict(
            name,
            False,
            expected="two nn.Linear layers",
            got=f"{len(linears)}",
            hint="use nn.Linear(n_features, n_features) twice",
        )
    x = torch.randn(5, n_features, generator=torch.Generator().manual_seed(1))
    done, output = call(block, x, name="SkipBlock(4)")
    if not done:
        return verdict(name, None)
    if isinstance(output, str):
        return verdict(name, False, expected="an output of shape (5, 4)", got=output)
    first, second = linears
    with torch.no_grad():
        candidates = [x + second(torch.relu(first(x))), x + first(torch.relu(second(x)))]
        no_skip = second(torch.relu(first(x)))
        relu_after_sum = torch.relu(candidates[0])
    if not isinstance(output, torch.Tensor) or output.shape != x.shape:
        got = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        return verdict(
            name,
            False,
            expected="an output of shape (5, 4), like the input",
            got=got,
            hint="the skip adds the input back, so the output has the input's shape",
        )
    output = output.detach()
    if any(torch.allclose(output, candidate, atol=1e-5) for candidate in candidates):
        return verdict(name, True)
    if torch.allclose(output, no_skip, atol=1e-5):
        hint = "that is the plain two-layer path: add the input x back (the skip connection)"
    elif torch.allclose(output, relu_after_sum, atol=1e-5):
        hint = "no ReLU after the sum: the skip must carry x through unchanged, negatives included"
    else:
        hint = "forward should return x + linear2(relu(linear1(x)))"
    return verdict(name, False, expected=candidates[0], got=output, hint=hint)


def skip_block_parameters(n_params: Any) -> Verdict:
    """Exercise 1b: the number of parameters of ``SkipBlock(10)``, counted by hand.

    Example:
        >>> skip_block_parameters(220)
        ✅ parameters of SkipBlock(10): correct
        True
    """
    return check_equal(
        "parameters of SkipBlock(10)",
        n_params,
        220,
        normalize=int,
        hint="each nn.Linear(10, 10) has a 10 x 10 weight and 10 biases; the skip adds nothing",
    )


def _dead_relu_model() -> tuple[nn.Module, torch.Tensor, list[int]]:
    """A small network whose dead ReLU units are known: 1 in the first layer, 2 in the second."""
    model = nn.Sequential(
        nn.Linear(1, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 3), nn.ReLU()), nn.Linear(3, 1)
    )
    first, second, last = _linears(model)
    with torch.no_grad():
        first.weight.copy_(torch.tensor([[1.0], [-1.0], [0.0], [0.0]]))
        first.bias.copy_(torch.tensor([0.0, 0.0, -1.0, 0.5]))  # unit 2 is always -1: dead
        second.weight.copy_(
            torch.tensor(
                [
                    [-1.0, -1.0, -1.0, -1.0],  # always <= -0.1: dead
                    [1.0, 1.0, 0.0, 1.0],  # always >= 0.5: alive
                    [0.0, 0.0, 0.0, -1.0],
                ]
            )
        )  # always -0.3: dead
        second.bias.copy_(torch.tensor([-0.1, 0.0, 0.2]))
        last.weight.fill_(1.0)
        last.bias.zero_()
    inputs = torch.linspace(-1, 1, 11).view(11, 1)  # (11, 1)
    return model, inputs, [1, 2]


def _hook_count(model: nn.Module) -> int:
    return sum(len(module._forward_hooks) for module in model.modules())


@_own_random_state
def dead_relus(count_dead_relus: Any) -> Verdict:
    """Exercise 2: ``count_dead_relus(model, inputs)``: per ``nn.ReLU``, the units 0 for every input.

    Example:
        >>> def count_dead_relus(model, inputs):
        ...     counts = []
        ...     hook = lambda module, args, output: counts.append(int((output == 0).all(0).sum()))
        ...     handles = [m.register_forward_hook(hook) for m in model.modules()
        ...                if isinstance(m, nn.ReLU)]
        ...     with torch.no_grad():
        ...         model(inputs)
        ...     for handle in handles:
        ...         handle.remove()
        ...     return counts
        >>> dead_relus(count_dead_relus)
        ✅ dead ReLU counter: correct
        True
    """
    name = "dead ReLU counter"
    model, inputs, expected = _dead_relu_model()
    done, result = call(count_dead_relus, model, inputs, name="count_dead_relus")
    if not done:
        return verdict(name, None)
    if isinstance(result, str):
        return verdict(name, False, expected=expected, got=result)
    try:
        counts = [int(count) for count in result]
    except (TypeError, ValueError):
        return verdict(
            name,
            False,
            expected=f"a list of ints like {expected}",
            got=f"{result!r}",
            hint="return one count per nn.ReLU, in order",
        )
    if counts != expected:
        if len(counts) != len(expected):
            hint = (
                "one count per nn.ReLU module, in the order they run; search model.modules(), "
                "which also finds the ReLU inside a nested nn.Sequential"
            )
        else:
            hint = (
                "a unit is dead when its output is 0 for every input in the batch: "
                "(output == 0).all(dim=0) per unit, then count those; a unit that is 0 for "
                "only some inputs is still alive"
            )
        return verdict(name, False, expected=expected, got=counts, hint=hint)
    if _hook_count(model):
        return verdict(
            name,
            False,
            expected="no hooks left on the model afterwards",
            got=f"{_hook_count(model)} hook(s) still registered",
            hint=(
                "keep the handles that register_forward_hook returns and call "
                "handle.remove() on each, or every later forward pass runs them too"
            ),
        )
    _, again = call(count_dead_relus, model, inputs, name="count_dead_relus")
    return check_equal(
        name,
        again,
        expected,
        normalize=lambda value: [int(c) for c in value],
        hint=(
            "a second call must give the same counts: start from fresh counts "
            "inside the function, not from a list defined outside it"
        ),
    )


def _plain_data() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.arange(5.0) + 10.0  # (5,): other numbers than the notebook's data
    return x, 2 * x


def _read_features_of_item_1(dataset: Any) -> torch.Tensor:
    return torch.stack([dataset[1][0].detach() for _ in range(2000)])  # 2000 reads, (2000, 1)


@_own_random_state
def noisy_dataset(dataset_class: Any) -> Verdict:
    """Exercise 3: ``NoisyRegressionData(x, y, noise_std, generator)``, the fixed buggy ``Dataset``.

    Example:
        >>> from torch.utils.data import Dataset
        >>> class NoisyRegressionData(Dataset):
        ...     def __init__(self, x, y, noise_std, generator):
        ...         self.x, self.y = x.reshape(-1, 1), y.reshape(-1, 1)
        ...         self.noise_std, self.generator = noise_std, generator
        ...     def __len__(self):
        ...         return len(self.x)
        ...     def __getitem__(self, index):
        ...         noise = self.noise_std * torch.randn(1, generator=self.generator)
        ...         return self.x[index] + noise, self.y[index]
        >>> noisy_dataset(NoisyRegressionData)
        ✅ NoisyRegressionData: correct
        True
    """
    name = "NoisyRegressionData"
    x, y = _plain_data()
    done, exact = call(
        dataset_class, x.clone(), y.clone(), 0.0, torch.Generator().manual_seed(0), name="NoisyRegressionData"
    )
    if not done:
        return verdict(name, None)
    if isinstance(exact, str):
        return verdict(name, False, expected="a dataset built from (x, y, noise_std, generator)", got=exact)
    done, length = call(len, exact, name="len")
    if not done:
        return verdict(name, None)
    if length != len(x):
        return verdict(
            name,
            False,
            expected=f"len(dataset) == {len(x)} for {len(x)} points",
            got=length,
            hint="__len__ must count this object's data (self.x), not a global variable such as x_obs",
        )
    done, item = call(exact.__getitem__, 3, name="dataset[3]")
    if not done:
        return verdict(name, None)
    if not (
        isinstance(item, (tuple, list))
        and len(item) == 2
        and all(isinstance(part, torch.Tensor) for part in item)
    ):
        return verdict(
            name,
            False,
            expected="a pair of tensors (features, target)",
            got=item if isinstance(item, str) else type(item).__name__,
        )
    shapes = [tuple(part.shape) for part in item]
    if shapes != [(1,), (1,)]:
        return verdict(
            name,
            False,
            expected="shapes [(1,), (1,)]",
            got=shapes,
            hint=(
                "store x.reshape(-1, 1) and y.reshape(-1, 1): then an item is a row "
                "of shape (1,) and a DataLoader stacks them into (batch, 1)"
            ),
        )
    expected_item = torch.stack([x[3:4], y[3:4]])
    if not torch.allclose(torch.stack([item[0].detach(), item[1].detach()]), expected_item):
        return verdict(
            name,
            False,
            expected=f"dataset[3] == ({x[3].item()}, {y[3].item()}) with noise_std=0",
            got=f"({item[0].item():.1f}, {item[1].item():.1f})",
            hint="return this object's own x and y at the index, never a global's",
        )
    noise_std = 2.0
    x_given = x.clone()
    draws = []
    for data in (x_given, x.clone()):  # two datasets with equally seeded generators
        _, noisy = call(
            dataset_class,
            data,
            y.clone(),
            noise_std,
            torch.Generator().manual_seed(0),
            name="NoisyRegressionData",
        )
        done, reads = call(_read_features_of_item_1, noisy, name="dataset[1]")
        if isinstance(reads, str) or not done:
            return verdict(name, False, expected="2000 reads of dataset[1] with noise_std=2", got=reads)
        draws.append(reads.flatten())  # (2000,)
    _, noisy_item = call(noisy.__getitem__, 1, name="dataset[1]")
    if not torch.equal(noisy_item[1].detach().reshape(1), y[1:2]):
        return verdict(
            name,
            False,
            expected=f"the target of item 1 to stay {y[1].item():.1f}",
            got=f"{noisy_item[1].item():.2f}",
            hint=(
                "the augmentation perturbs the features only; the target is the "
                "observation and stays as it is"
            ),
        )
    if not torch.equal(x_given, x):
        return verdict(
            name,
            False,
            expected="the data passed in to stay unchanged",
            got=f"x[1] drifted from {x[1].item():.1f} to {x_given[1].item():.1f} after 2000 reads",
            hint=(
                "x + noise makes a new tensor; x += noise changes the stored row "
                "(a view of the data) in place"
            ),
        )
    mean, std = draws[0].mean().item(), draws[0].std().item()
    if abs(mean - x[1].item()) > 0.2 or abs(std - noise_std) > 0.2:
        return verdict(
            name,
            False,
            expected=f"reads of item 1 with mean {x[1].item():.1f}, std {noise_std:.1f}",
            got=f"mean {mean:.2f} and std {std:.2f} over 2000 reads",
            hint=(
                "add noise_std * torch.randn(1, generator=self.generator) to the "
                "features only, drawn afresh at every read"
            ),
        )
    if not torch.equal(draws[0], draws[1]):
        return verdict(
            name,
            False,
            expected="the same noise from two equally seeded generators",
            got="different noise",
            hint=(
                "draw the noise with generator=self.generator, so that a seeded "
                "generator gives the same noise every run"
            ),
        )
    return verdict(name, True)
