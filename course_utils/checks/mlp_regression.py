"""Checks for the exercises of notebook 04 (an MLP and the building blocks of ``torch.nn``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from course_utils.checks.core import (
    NotAttempted,
    Wrong,
    callable_answer,
    check,
    compare,
    fresh,
    generator,
    how_many_wrong,
    is_stub,
    observe,
    on_device_of,
    probe,
    run,
    whole,
)

# --- In section 3: the shapes inside nn.Linear ----------------------------------------------------


def _linear_shapes() -> dict[str, tuple[int, ...]]:
    """The four shapes of the question, read off ``nn.Linear`` itself, on the meta device."""
    first, last = nn.Linear(1, 10, device="meta"), nn.Linear(10, 1, device="meta")
    hidden = nn.ReLU()(first(torch.empty(32, 1, device="meta")))
    shapes = (first.weight.shape, last.weight.shape, last.bias.shape, hidden.shape)
    return {key: tuple(shape) for key, shape in zip(_LINEAR_HINTS, shapes, strict=True)}


_LINEAR_HINTS = {
    "first_weight": (
        "which of n_in and n_out counts the rows of W?",
        "W has one row per output unit and one column per input: y = x·Wᵀ + b",
    ),
    "last_weight": (
        "which of n_in and n_out counts the rows of W?",
        "W has one row per output unit and one column per input: y = x·Wᵀ + b",
    ),
    "last_bias": (
        "how many numbers does b add to each example's output?",
        "b holds one number per output unit, whatever the number of inputs",
    ),
    "hidden": (
        "which dimension does a layer keep, and which does it change?",
        "a layer maps (batch, n_in) to (batch, n_out); a ReLU keeps the shape it is given",
    ),
}


def _as_shape(value: Any) -> tuple[int, ...] | str:
    """A shape as a tuple of ints, or a sentence saying why ``value`` is not one.

    A tuple, list, ``torch.Size`` or 1-D array or tensor of integers (Python, NumPy or torch).
    """
    if isinstance(value, (bool, np.bool_)):
        return f"{value!r} is a bool, not a shape"
    if isinstance(value, (np.ndarray, torch.Tensor)) and value.ndim == 1:
        value = list(value)
    if whole(value, floats=False) is not None:
        return f"{value!r} is an int, not a shape: a one-element tuple needs a trailing comma, as in (n,)"
    if not isinstance(value, (tuple, list, torch.Size)):
        return f"{value!r} is a {type(value).__name__}, not a shape: write a tuple such as (2, 3)"
    sizes = [whole(size, floats=False) for size in value]
    if any(size is None for size in sizes):
        return f"{value!r} is not a shape: its entries should be whole numbers"
    return tuple(size for size in sizes if size is not None)


@check("04.linear_shapes", "the shapes inside nn.Linear", points=1)
def linear_shapes(predicted: Any) -> None:
    """In-lesson question: predict four shapes of ``make_mlp()``'s layers.

    ``predicted`` is a dict with the keys ``first_weight`` (the shape of ``nn.Linear(1, 10).weight``),
    ``last_weight`` (``nn.Linear(10, 1).weight``), ``last_bias`` (``nn.Linear(10, 1).bias``) and
    ``hidden`` (what ``nn.Linear(1, 10)`` followed by ``nn.ReLU()`` returns for inputs of shape
    ``(32, 1)``), each a tuple such as ``(2, 3)``.
    """
    if not isinstance(predicted, dict):
        raise Wrong(f"predicted should be a dict, but it is a {type(predicted).__name__}")
    shapes = _linear_shapes()
    missing = [key for key in shapes if key not in predicted]
    if missing:
        raise Wrong(
            f"predicted has no key {', '.join(map(repr, missing))}: keep the keys of the exercise cell"
        )
    stubs = [key for key in shapes if is_stub(predicted[key])]
    if len(stubs) == len(shapes):
        raise NotAttempted
    problems, wrong = [], []
    for key, expected in shapes.items():
        if key in stubs:
            continue
        shape = _as_shape(predicted[key])
        if isinstance(shape, str):
            problems.append(f"{key}: {shape}")
        elif shape != expected:
            wrong.append(key)
    if wrong:
        problems.append(how_many_wrong(len(wrong), len(shapes) - len(stubs), "shapes"))
    if stubs:
        problems.append(f"{len(stubs)} of {len(shapes)} still `...`: {', '.join(stubs)}")
    if problems:
        # the hints of every shape, so that they do not tell which ones are wrong
        nudges = dict.fromkeys(hint[0] for hint in _LINEAR_HINTS.values())
        fuller = dict.fromkeys(hint[1] for hint in _LINEAR_HINTS.values())
        hints = (" ".join(nudges), " ".join(fuller)) if wrong else ()
        raise Wrong("\n".join(problems), *hints)


# --- Exercise 1: a block with a skip connection ----------------------------------------------------


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [child for child in module.modules() if isinstance(child, nn.Linear)]


def _not_none(value: Any, name: str) -> None:
    if value is None:
        raise Wrong(
            f"{name}(...) returned None: did you forget `return`?",
            "a function without a `return` statement returns None",
        )


@probe
def _skip_block_facts(block_class: Any, n_features: int, x: torch.Tensor) -> dict[str, Any]:
    """What ``block_class(n_features)`` is and does on ``x``, as plain data (built after a fixed seed)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        block = block_class(n_features)
    if not isinstance(block, nn.Module):
        return {"module": False, "type": type(block).__name__}
    linears = _linears(block)
    x_given = on_device_of(block, x.clone())  # the learner's copy, on the block's device
    output = block(x_given)
    return {
        "module": True,
        "n_params": sum(parameter.numel() for parameter in block.parameters()),
        "linears": [(layer.weight.detach(), layer.bias) for layer in linears],
        "input_changed": not torch.equal(x_given.cpu(), x),
        "output": output.detach() if isinstance(output, torch.Tensor) else output,
    }


@check("04.skip_block", "SkipBlock", points=2)
def skip_block(block_class: Any) -> None:
    """Exercise 1: ``SkipBlock(n_features)``, an ``nn.Module`` with two ``nn.Linear(n_features,
    n_features)`` layers, whose ``forward(x)`` returns ``x + linear2(relu(linear1(x)))``, of the
    shape of ``x``.
    """
    n_features = fresh(4, 3, 8)
    callable_answer(block_class, "SkipBlock")
    x = torch.randn(5, n_features, generator=generator(1))  # (5, n_features)
    facts = observe(_skip_block_facts, block_class, n_features, x, name="SkipBlock")
    label = f"SkipBlock({n_features})"
    if not facts["module"]:
        raise Wrong(
            f"{label} should be an nn.Module, but it is a {facts['type']}",
            "subclass nn.Module and call super().__init__() first",
        )
    n_params = facts["n_params"]
    expected_params = 2 * (n_features**2 + n_features)
    if n_params != expected_params:
        few = "too few" if n_params < expected_params else "too many"
        raise Wrong(
            f"{label} has {n_params} parameters: {few}",
            "two nn.Linear(n_features, n_features) layers, each with its bias; the skip itself "
            "has no parameters",
            "assign each layer to an attribute (self.linear1 = ...): layers in a plain Python list "
            "are hidden from parameters(); and keep the biases (bias=True is the default)",
        )
    if len(facts["linears"]) != 2:
        raise Wrong(
            f"{label} holds {len(facts['linears'])} nn.Linear layers; it should hold two",
            "use nn.Linear(n_features, n_features) twice",
        )
    if facts["input_changed"]:
        raise Wrong(
            f"{label}'s forward changed its input x in place (the caller's tensor is not what it "
            "passed in any more)",
            "x + ... makes a new tensor; x += ... (like a method ending in _, such as relu_) writes "
            "into the input itself",
        )
    output = facts["output"]
    _not_none(output, f"{label}")
    if not isinstance(output, torch.Tensor) or output.shape != x.shape:
        got = f"shape {tuple(output.shape)}" if isinstance(output, torch.Tensor) else type(output).__name__
        raise Wrong(
            f"{label} on inputs of shape {tuple(x.shape)} returned {got}; it should return that shape",
            "the skip adds the input back, so the output has the input's shape",
        )
    (w1, b1), (w2, b2) = facts["linears"]

    def first(z: torch.Tensor) -> torch.Tensor:
        return z @ w1.T + b1

    def second(z: torch.Tensor) -> torch.Tensor:
        return z @ w2.T + b2

    with torch.no_grad():
        right = [x + second(torch.relu(first(x))), x + first(torch.relu(second(x)))]  # either order
        no_skip = second(torch.relu(first(x)))
        no_relu = x + second(first(x))
    if any(torch.allclose(output, candidate, atol=1e-5) for candidate in right):
        return
    if torch.allclose(output, no_skip, atol=1e-5):
        hint = "that is the plain two-layer path: add the input x back (the skip connection)"
    elif torch.allclose(output, torch.relu(right[0]), atol=1e-5):
        hint = "no ReLU after the sum: the skip must carry x through unchanged, negatives included"
    elif torch.allclose(output, no_relu, atol=1e-5):
        hint = "a ReLU belongs between the two layers; without it they collapse into one linear map"
    else:
        hint = "forward should return x + linear2(relu(linear1(x)))"
    compare(f"{label}(x)", output, right[0], hint)


@check("04.skip_block_parameters", "parameters of SkipBlock(10)", points=1)
def skip_block_parameters(n_params: Any) -> None:
    """Exercise 1b: the number of parameters of ``SkipBlock(10)``, counted by hand (a whole number)."""
    count = whole(n_params)  # n, n.0, np.int64(n) and torch.tensor(n) alike
    if count is None:
        raise Wrong(f"the count should be a whole number, but it is {n_params!r}")
    n_params = count
    expected = 2 * (10 * 10 + 10)
    if n_params == expected:
        return
    if n_params == 2 * 10 * 10:
        diagnosis = "too few: did you count the biases?"
    elif n_params == 10 * 10 + 10:
        diagnosis = "too few: that is one layer, and SkipBlock has two"
    elif n_params < expected:
        diagnosis = "too few"
    else:
        diagnosis = "too many: the skip connection x + ... adds no parameters"
    raise Wrong(
        f"{n_params} parameters is {diagnosis}",
        "count the weight matrix and the bias vector of each nn.Linear(10, 10); the skip has none",
        "each nn.Linear(10, 10) holds a 10 x 10 weight matrix and 10 biases",
    )


# --- Exercise 2: a forward hook that counts dead ReLUs --------------------------------------------


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
                    [0.0, 0.0, 0.0, -1.0],  # always -0.3: dead
                ]
            )
        )
        second.bias.copy_(torch.tensor([-0.1, 0.0, 0.2]))
        last.weight.fill_(1.0)
        last.bias.zero_()
    inputs = torch.linspace(-1, 1, 11).view(11, 1)  # (11, 1)
    return model, inputs, [1, 2]


@probe
def _dead_relu_setup() -> tuple[nn.Module, torch.Tensor]:
    """The test model and its inputs, built where the learner's code runs."""
    model, inputs, _ = _dead_relu_model()
    return model, inputs


@probe
def _hook_count(model: nn.Module) -> int:
    """The forward hooks still registered on ``model``'s modules, and on all modules at once."""
    own = sum(len(module._forward_hooks) + len(module._forward_pre_hooks) for module in model.modules())
    everywhere = nn.modules.module._global_forward_hooks, nn.modules.module._global_forward_pre_hooks
    return own + sum(len(hooks) for hooks in everywhere)


def _as_counts(result: Any) -> list[int]:
    """The learner's counts as ints: a list (or tuple, or 1-D array or tensor) of whole numbers."""
    if isinstance(result, (np.ndarray, torch.Tensor)) and result.ndim == 1:
        result = list(result)
    counts = [whole(count) for count in result] if isinstance(result, (list, tuple)) else [None]
    if any(count is None for count in counts):
        raise Wrong(
            f"count_dead_relus should return a list of ints, but it returned {result!r}",
            "return one count per nn.ReLU, in the order they run",
        )
    return [count for count in counts if count is not None]


def _directions(counts: list[int], expected: list[int]) -> str:
    """Which counts are off and which way, each ReLU on its own; never the right counts."""
    off = [
        (f"ReLU {i + 1}", "high" if got > want else "low")
        for i, (got, want) in enumerate(zip(counts, expected, strict=True))
        if got != want
    ]
    ways = {way for _, way in off}
    if len(ways) > 1:
        return "; ".join(f"the count of {relu} is too {way}" for relu, way in off)
    way = ways.pop()
    if len(off) == 1:
        return f"the count of {off[0][0]} is too {way}"
    relus = ", ".join(relu for relu, _ in off[:-1]) + f" and {off[-1][0]}"
    return f"the counts of {relus} are {'both' if len(off) == 2 else 'all'} too {way}"


@check("04.dead_relus", "dead ReLU counter", points=3)
def dead_relus(count_dead_relus: Any) -> None:
    """Exercise 2: ``count_dead_relus(model, inputs)``: per ``nn.ReLU`` (in the order they run,
    nested ones included), the number of units whose output is 0 for every input; no hooks left.
    """
    callable_answer(count_dead_relus, "count_dead_relus")
    expected = _dead_relu_model()[2]
    model, inputs = observe(_dead_relu_setup, name="count_dead_relus")
    counts = _as_counts(run(count_dead_relus, model, inputs, name="count_dead_relus"))
    if len(counts) != len(expected):
        raise Wrong(
            f"count_dead_relus gave {len(counts)} count(s), {counts}, for a test model with "
            f"{len(expected)} nn.ReLU modules (one inside a nested nn.Sequential)",
            "one count per nn.ReLU module, in the order they run",
            "search model.modules(), which also finds the ReLU inside a nested nn.Sequential",
        )
    if counts != expected:
        raise Wrong(
            f"counts {counts} on the test model: {_directions(counts, expected)}",
            "a unit is dead when its output is 0 for every input in the batch; a unit that is 0 "
            "for only some inputs is still alive",
            "(output == 0).all(dim=0) says, per unit, whether it is 0 for every input; count those "
            "units (one that is 0 for only some inputs is still alive)",
        )
    left = observe(_hook_count, model, name="count_dead_relus")
    if left:
        raise Wrong(
            f"{left} hook(s) still registered on the model afterwards",
            "keep the handles that register_forward_hook returns and call handle.remove() on "
            "each, or every later forward pass runs them too",
        )
    again = _as_counts(run(count_dead_relus, model, inputs, name="count_dead_relus"))
    if again != expected:
        raise Wrong(
            f"a second call on the same model gave {again} instead of the same counts as the first",
            "start from fresh counts inside the function, not from a list defined outside it",
        )


# --- Exercise 3: the buggy Dataset, fixed ----------------------------------------------------------


def _plain_data() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.arange(5.0) + 10.0  # (5,): other numbers than the notebook's data
    return x, 2 * x


@probe
def _noisy_dataset_facts(dataset_class: Any, x: torch.Tensor, y: torch.Tensor) -> dict[str, Any]:
    """What the learner's ``NoisyRegressionData`` gives, without noise and with seeded noise."""
    exact = dataset_class(x.clone(), y.clone(), 0.0, torch.Generator().manual_seed(0))
    if not hasattr(exact, "__len__") or not hasattr(exact, "__getitem__"):
        return {"len": hasattr(exact, "__len__"), "getitem": hasattr(exact, "__getitem__")}
    facts: dict[str, Any] = {"len": True, "getitem": True, "length": exact.__len__(), "item_3": exact[3]}
    item = facts["item_3"]
    if not (
        isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(p, torch.Tensor) for p in item)
    ):
        return facts  # the judge says what is wrong with it
    x_given, draws = x.clone(), []
    for data, seed in ((x_given, 0), (x.clone(), 0), (x.clone(), 1)):  # equal seeds, then another
        noisy = dataset_class(data, y.clone(), 2.0, torch.Generator().manual_seed(seed))
        draws.append(torch.stack([noisy[1][0].detach().reshape(-1)[0] for _ in range(2000)]))  # (2000,)
    facts.update(draws=draws, item_1=noisy[1], x_given=x_given)
    return facts


def _pair(item: Any, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    if not (
        isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(p, torch.Tensor) for p in item)
    ):
        raise Wrong(
            f"{name} should be a pair of tensors (features, target), but it is "
            f"{type(item).__name__}{f' of length {len(item)}' if isinstance(item, (tuple, list)) else ''}",
            "return two tensors: return features, target",
        )
    return item[0], item[1]


@check("04.noisy_dataset", "NoisyRegressionData", points=3)
def noisy_dataset(dataset_class: Any) -> None:
    """Exercise 3: ``NoisyRegressionData(x, y, noise_std, generator)``, the buggy ``Dataset`` fixed.

    Item i is ``(x_i + noise, y_i)``, each of shape ``(1,)``, with fresh noise of s.d. ``noise_std``
    drawn from ``generator`` at every read; the data passed in stays unchanged.
    """
    callable_answer(dataset_class, "NoisyRegressionData")
    x, y = _plain_data()
    facts = observe(_noisy_dataset_facts, dataset_class, x, y, name="NoisyRegressionData")
    if not facts["len"]:
        raise Wrong("NoisyRegressionData has no __len__", "define __len__(self): the number of examples")
    if not facts["getitem"]:
        raise Wrong("NoisyRegressionData has no __getitem__", "define __getitem__(self, index): one example")
    length = facts["length"]
    _not_none(length, "__len__")
    _not_none(facts["item_3"], "dataset[3]")
    if whole(length) != len(x):
        raise Wrong(
            f"len(dataset) is {length!r} for a dataset built from {len(x)} points",
            "__len__ must count this object's data (self.x), not a global variable such as x_obs",
        )
    features, target = _pair(facts["item_3"], "dataset[3]")
    shapes = [tuple(features.shape), tuple(target.shape)]
    if shapes != [(1,), (1,)]:
        raise Wrong(
            f"the parts of dataset[3] have shapes {shapes}; each should have shape (1,)",
            "store x.reshape(-1, 1) and y.reshape(-1, 1): then an item is a row of shape (1,) and a "
            "DataLoader stacks them into (batch, 1)",
        )
    if not (torch.equal(features.detach(), x[3:4]) and torch.equal(target.detach(), y[3:4])):
        raise Wrong(
            f"with noise_std=0, dataset[3] is ({features.item():.1f}, {target.item():.1f}), "
            "not the x[3] and y[3] the dataset was built from",
            "return this object's own x and y at the index, never a global's",
        )
    noise_std, x_given, draws = 2.0, facts["x_given"], facts["draws"]
    _, noisy_target = _pair(facts["item_1"], "dataset[1]")
    if not torch.equal(noisy_target.detach().reshape(-1), y[1:2]):
        raise Wrong(
            "with noise_std=2, the target of item 1 changed "
            f"(it read {noisy_target.detach().flatten()[0]:.2f})",
            "the augmentation perturbs the features only; the target is the observation and stays as it is",
        )
    if not torch.equal(x_given, x):
        raise Wrong(
            f"the x passed in changed: x[1] drifted by {(x_given[1] - x[1]).item():+.1f} after 2000 reads",
            "x + noise makes a new tensor; x += noise changes the stored row (a view of the data) in place",
        )
    mean, std = draws[0].mean().item(), draws[0].std().item()
    if abs(mean - x[1].item()) > 0.2 or abs(std - noise_std) > 0.2:
        raise Wrong(
            f"over 2000 reads of item 1 with noise_std=2, the features have mean {mean:.2f} (x[1] is "
            f"{x[1].item():.1f}) and s.d. {std:.2f}: the noise should have mean 0 and s.d. noise_std",
            "add noise_std * torch.randn(1, generator=self.generator) to the features only, drawn "
            "afresh at every read",
        )
    if not torch.equal(draws[0], draws[1]):
        raise Wrong(
            "two datasets with equally seeded generators gave different noise",
            "draw the noise with generator=self.generator, so that a seeded generator gives the same "
            "noise every run",
        )
    if torch.equal(draws[0], draws[2]):
        raise Wrong(
            "two datasets with differently seeded generators gave the same noise: the noise does not "
            "come from the generator passed in",
            "draw the noise with generator=self.generator, the generator the dataset was given",
        )
