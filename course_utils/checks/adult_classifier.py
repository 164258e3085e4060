"""Checks for the exercises of notebook 05 (the Adult income classifier).

Two questions sit inside the lesson (which preprocessing steps leak, in section 2; the
majority-class baseline, in section 13); four exercises close it.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from course_utils.checks.core import (
    LearnerError,
    NotAttempted,
    Wrong,
    callable_answer,
    check,
    fresh,
    generator,
    observe,
    on_device_of,
    probe,
    run,
)

#: The number of input features the network exercises use (the chapter's preprocessing gives 108).
INPUT_DIM = 108
#: The steps of the leakage question: does each one let the test rows shape what is trained or chosen?
LEAKAGE_STEPS = {
    "a": "fitting the StandardScaler on all 48,842 rows, then splitting",
    "b": "transforming the test rows with the preprocessing fitted on the training rows",
    "c": "filling each missing workclass with the most frequent value of all rows, then splitting",
    "d": "replacing capital-gain by log(1 + capital-gain) in every row, then splitting",
    "e": "keeping, of several network sizes, the one with the best test accuracy",
}
#: The SHA-256 of the right answers, written as ``"a:1 b:0 ..."``: the package holds no answer in plain form.
_LEAKS_DIGEST = "3f9a24b2d5b83a7b8ec7cd3ad63479b06e2f219e28e66a1a8fe3467cbf84cf31"

_ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.SiLU, nn.ELU)
_LOGITS_HINTS = (
    "BCEWithLogitsLoss applies the sigmoid itself: the network's last layer should be the "
    "nn.Linear that gives one number per row",
    "section 4 shows why: a sigmoid inside the network rounds confident outputs to exactly 0 or 1 "
    "and the gradient vanishes; remove the squashing function after the last nn.Linear",
)
_AFTER_LOGIT_HINTS = (
    "the network returns the last nn.Linear's output as it is: apply no activation or other function "
    "to the logit (BCEWithLogitsLoss turns logits into probabilities itself)",
    "an activation belongs after each hidden layer, never after the output layer; remove whatever "
    "comes after the last nn.Linear",
)


def _inputs(rows: int = 16, input_dim: int = INPUT_DIM) -> torch.Tensor:
    """A batch of inputs, ``(rows, input_dim)``, drawn for this run."""
    return torch.randn(rows, input_dim, generator=generator(1))


_ACTIVATION_ARGUMENTS: dict[str, Callable[[], nn.Module]] = {
    "LeakyReLU(negative_slope=0.1)": lambda: nn.LeakyReLU(0.1),
    "Tanh()": nn.Tanh,
}
_ACTIVATION_FUNCTIONS = {
    "LeakyReLU(negative_slope=0.1)": lambda z: torch.nn.functional.leaky_relu(z, 0.1),
    "Tanh()": torch.tanh,
}


def _leaf_calls(model: nn.Module, inputs: torch.Tensor, given: Any, train: bool = False) -> tuple[Any, list]:
    """``model(inputs)`` and its leaf modules' calls in order: ``[kind, facts, input, output]``."""
    calls: list[list] = []

    def before(module: nn.Module, args: tuple) -> None:
        facts = {
            "out_features": getattr(module, "out_features", None),
            "in_features": getattr(module, "in_features", None),
            "p": getattr(module, "p", None),
            "given": module is given,
            "index": index[id(module)],
        }
        if isinstance(module, nn.Linear):
            facts.update(
                weight=module.weight.detach().clone(),
                bias=None if module.bias is None else module.bias.detach().clone(),
            )
        calls.append(
            [
                type(module).__name__,
                facts,
                args[0].detach().clone() if isinstance(args[0], torch.Tensor) else None,
                None,
            ]
        )

    def after(module: nn.Module, args: tuple, out: Any) -> None:
        calls[-1][3] = out.detach().clone() if isinstance(out, torch.Tensor) else None

    leaves = [module for module in model.modules() if next(module.children(), None) is None]
    index = {id(module): number for number, module in enumerate(leaves)}
    handles = [leaf.register_forward_pre_hook(before) for leaf in leaves]
    handles += [leaf.register_forward_hook(after) for leaf in leaves]
    model.train(train)
    try:
        with torch.no_grad():
            output = model(on_device_of(model, inputs.clone()))
    finally:
        for handle in handles:
            handle.remove()
    return (output.detach() if isinstance(output, torch.Tensor) else output), calls


@probe
def _network_facts(
    factory: Any, args: list[Any], inputs: torch.Tensor, activation: str | None = None
) -> dict:
    """What the learner's network ``factory(*args)`` is and does on ``inputs``, as plain data.

    Built after ``torch.manual_seed(0)`` (the global random state is restored afterwards); an
    ``activation`` named in :data:`_ACTIVATION_ARGUMENTS` is built here and passed as ``args[1]``.
    """
    given = _ACTIVATION_ARGUMENTS[activation]() if activation else None
    if given is not None:
        args = [args[0], given, *args[1:]]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = factory(*args)
    if not isinstance(model, nn.Module):
        return {"module": False, "type": type(model).__name__, "none": model is None}
    output, calls = _leaf_calls(model, inputs, given)
    facts: dict[str, Any] = {
        "module": True,
        "n_linears": sum(isinstance(module, nn.Linear) for module in model.modules()),
        "activations": [
            type(module).__name__ for module in model.modules() if isinstance(module, _ACTIVATIONS)
        ],
        "dropout_p": [module.p for module in model.modules() if isinstance(module, nn.Dropout)],
        "output": output,
        "calls": calls,
    }
    if not isinstance(output, torch.Tensor):
        return facts
    with torch.no_grad():
        model.train()
        facts["train_outputs"] = [model(on_device_of(model, inputs.clone())) for _ in range(2)]
    facts["train_calls"] = _leaf_calls(model, inputs, given, train=True)[1]
    model.eval()
    return facts


def _build(factory: Any, *args: Any, name: str, activation: str | None = None, rows: int = 16) -> dict:
    """The facts of ``factory(*args)`` on :func:`_inputs`; Wrong unless it is an ``nn.Module``."""
    callable_answer(factory, name)
    inputs = _inputs(rows, args[0])
    facts = observe(_network_facts, factory, list(args), inputs, activation, name=name)
    if not facts["module"]:
        if facts["none"]:
            raise Wrong(
                f"{name}(...) returned None: did you forget `return`?",
                "a function without a `return` statement returns None",
            )
        raise Wrong(
            f"{name}(...) should give an nn.Module, but it gave a {facts['type']}",
            "build the network (subclass nn.Module, or nn.Sequential of modules) and return the "
            "instance, not the class or a list of layers",
        )
    _consistent(facts, inputs, name)
    return facts


def _consistent(facts: dict, inputs: torch.Tensor, name: str) -> None:
    """Wrong unless the recorded layers reproduce what they were recorded doing.

    The probe runs where the learner's code runs, so what it reports is checked here: the first
    layer read this run's inputs, each ``nn.Linear`` computed ``x Wᵀ + b`` from its own weights, and
    the network's output is what its last layer returned, or a function of it.
    """
    linears = [call for call in facts["calls"] if call[0] == "Linear"]
    problem = ""
    if linears and not (linears[0][2].shape == inputs.shape and torch.allclose(linears[0][2], inputs)):
        problem = "its first linear layer did not read the inputs it was given"
    for _, layer, seen, out in linears:
        bias = 0 if layer["bias"] is None else layer["bias"]
        if seen is None or out is None or seen.shape[-1] != layer["weight"].shape[1]:
            problem = problem or "a linear layer read or returned something that is not a tensor of its width"
        elif not torch.allclose(out, seen @ layer["weight"].T + bias, atol=1e-4, rtol=1e-4):
            problem = problem or "a linear layer's output is not x Wᵀ + b of its own weights"
    if problem:
        raise Wrong(
            f"{name}(...) does not behave like a network of nn modules: {problem}",
            "build the network from nn.Linear layers and activations, and call them in forward",
        )


def _one_logit_per_row(output: Any, rows: int, *hints: str, input_dim: int = INPUT_DIM) -> torch.Tensor:
    """``output`` when it is a float tensor of shape ``(rows, 1)``; Wrong otherwise."""
    if output is None:
        raise Wrong(
            "the model's forward returned None: did you forget `return`?",
            "a function without a `return` statement returns None",
        )
    if not isinstance(output, torch.Tensor):
        raise Wrong(f"the model returned a {type(output).__name__}; it should return a tensor", *hints)
    if tuple(output.shape) != (rows, 1):
        raise Wrong(
            f"for an input of shape ({rows}, {input_dim}) the output has shape {tuple(output.shape)}; "
            f"it should be ({rows}, 1), one logit per row",
            *hints,
        )
    return output


def _linear_calls(facts: dict) -> list[dict]:
    """The facts of the ``nn.Linear`` layers the network applied, in the order it applied them."""
    return [call[1] for call in facts["calls"] if call[0] == "Linear"]


def _squashed(facts: dict, name: str) -> None:
    """Wrong unless the model returns what its last ``nn.Linear`` computes: logits, not squashed values."""
    linears = [call[3] for call in facts["calls"] if call[0] == "Linear"]
    if not linears:
        raise Wrong(
            f"{name} never calls an nn.Linear layer in forward", "apply the layers you created in forward"
        )
    last, output = linears[-1], facts["output"]
    if last.shape == output.shape and torch.allclose(output, last, atol=1e-6):
        return
    squashed = {"a sigmoid": torch.sigmoid, "a tanh": torch.tanh}
    for what, function in squashed.items():
        if last.shape == output.shape and torch.allclose(output, function(last), atol=1e-6):
            raise Wrong(
                f"the model applies {what} after its last linear layer: it returns squashed values between "
                f"{-1 if what == 'a tanh' else 0} and 1, not logits",
                *_LOGITS_HINTS,
            )
    if last.shape == output.shape and torch.allclose(output, torch.relu(last), atol=1e-6):
        raise Wrong(
            "the model applies a ReLU after its last linear layer: every negative logit becomes 0, so it "
            "can never predict a probability below 0.5; it should return the logits themselves",
            *_AFTER_LOGIT_HINTS,
        )
    if torch.allclose(output, torch.ones_like(output)):
        raise Wrong(
            "the model returns 1 for every row: a softmax over a single logit is always 1 (it divides "
            "the one exp by itself)",
            *_AFTER_LOGIT_HINTS,
        )
    raise Wrong(
        "the model changes the output of its last linear layer before returning it (an activation or "
        "another function after it): it should return the logits themselves",
        *_AFTER_LOGIT_HINTS,
    )


def _affine_between(facts: dict, which: int) -> bool:
    """Whether the input of linear layer ``which + 1`` is an affine function of layer ``which``'s output.

    Judged unit by unit over the batch, from the recorded calls: nothing, a scaling or eval-mode
    dropout is affine (``y = a x + c`` fits exactly); ReLU, tanh and the other activations are not,
    on inputs with both signs.
    """
    linears = [call for call in facts["calls"] if call[0] == "Linear"]
    out, received = linears[which][3].double(), linears[which + 1][2].double()
    if out.shape != received.shape:
        return False
    centred, target = out - out.mean(dim=0), received - received.mean(dim=0)
    slope = (centred * target).sum(dim=0) / (centred * centred).sum(dim=0).clamp_min(1e-12)
    residual = (target - slope * centred).abs().max().item()
    return residual <= 1e-5 * (1 + received.abs().max().item())


def _is_linear(facts: dict) -> bool:
    """Whether every step between the network's linear layers is affine: then the network is."""
    steps = len([call for call in facts["calls"] if call[0] == "Linear"]) - 1
    return all(_affine_between(facts, which) for which in range(steps))


def _first_layer_follows_input_dim(
    factory: Any, name: str, *rest: Any, activation: str | None = None
) -> None:
    """Wrong unless the network also takes inputs of another width than :data:`INPUT_DIM`."""
    other_dim = fresh(37, 20, 90, offset=5)
    problem = f"{name} built with input_dim={other_dim} does not take inputs of {other_dim} features"
    hint = "size the first layer from the argument input_dim instead of a fixed number"
    try:
        facts = _build(factory, other_dim, *rest, name=name, activation=activation)
    except LearnerError as error:  # its forward fails on the narrower inputs
        raise Wrong(f"{problem}: {str(error).splitlines()[0]}", hint) from None
    first = _linear_calls(facts)[:1]
    if not first or first[0]["in_features"] != other_dim or not isinstance(facts["output"], torch.Tensor):
        raise Wrong(problem, hint)


def _fill_state(answer: dict, keys: Sequence[str], name: str) -> None:
    """NotAttempted when every item of ``answer`` is ``...``; Wrong when only some are."""
    missing = sum(answer.get(key, ...) is ... for key in keys)
    if missing == len(keys):
        raise NotAttempted
    if missing:
        verb = "is" if missing == 1 else "are"
        raise Wrong(f"{missing} of the {len(keys)} items of {name} {verb} still `...`: fill them all in")


@check("05.leakage", "which steps leak test information", points=1)
def leakage(leaks: Any) -> None:
    """Question in section 2: for each step of ``LEAKAGE_STEPS``, does it leak test information?

    ``leaks`` is a dict from the step's letter, ``"a"`` to ``"e"``, to True (the step lets the
    test rows shape what is trained or chosen) or False (it does not).
    """
    letters = list(LEAKAGE_STEPS)
    if not isinstance(leaks, dict):
        raise Wrong(
            f"leaks should be a dict from the letters a to e to True or False, not a {type(leaks).__name__}"
        )
    unknown = sorted(set(map(str, leaks)) - set(letters))
    if unknown or len(leaks) != len(letters):
        raise Wrong(
            f"leaks should have exactly the keys {', '.join(letters)}; it has {', '.join(map(str, leaks))}"
        )
    _fill_state(leaks, letters, "leaks")
    if not all(isinstance(leaks[letter], (bool, np.bool_)) for letter in letters):
        raise Wrong("each answer should be True (the step leaks) or False (it does not)")
    written = " ".join(f"{letter}:{int(bool(leaks[letter]))}" for letter in letters)
    if hashlib.sha256(written.encode()).hexdigest() != _LEAKS_DIGEST:
        raise Wrong(
            f"not all {len(letters)} answers are right",
            "a step leaks when something the model is trained or chosen with (a mean, a list of "
            "categories, a choice) is computed from rows that include the test rows",
            "for each step, ask: if the test rows were replaced by others, would anything used in "
            "training or in choosing the model change? A rule applied to each row on its own reads "
            "no other row",
        )


def _labels(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values.cpu() if isinstance(values, torch.Tensor) else values).ravel()
    if array.size == 0:
        raise ValueError(f"majority_baseline: {name} must hold at least one label, got none")
    return array


def _is_number(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return value.numel() == 1 and not value.dtype.is_complex and value.dtype != torch.bool
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


@functools.cache
def _lesson_labels() -> dict[str, np.ndarray]:
    """The lesson's training and test labels (section 2's split), for grading: 1 for >50K."""
    from sklearn.model_selection import train_test_split

    from course_utils.data import load_adult

    features, labels = load_adult()
    target = (labels == ">50K").astype(int)
    _, _, y_train, y_test = train_test_split(features, target, test_size=0.2, random_state=42)
    return {"y_train": y_train.to_numpy(), "y_test": y_test.to_numpy()}


@check(
    "05.majority_baseline",
    "the majority-class baseline",
    points=1,
    context=("y_train", "y_test"),
    course_context=_lesson_labels,
)
def majority_baseline(majority_accuracy: Any, y_train: Any, y_test: Any) -> None:
    """Question in section 13: the test accuracy of always answering the training labels' majority class.

    ``majority_accuracy`` is a fraction between 0 and 1, to four decimals; ``y_train`` and
    ``y_test`` are the labels of the training and test rows (passed by the check cell).
    """
    train, test = _labels(y_train, "y_train"), _labels(y_test, "y_test")
    if not _is_number(majority_accuracy):
        raise Wrong(
            f"majority_accuracy should be one number, a fraction between 0 and 1, not {majority_accuracy!r}"
        )
    got = float(majority_accuracy)
    classes, counts = np.unique(train, return_counts=True)
    majority = classes[np.argmax(counts)]
    expected = float(np.mean(test == majority))
    if math.isclose(got, expected, abs_tol=5e-4):
        return
    hints = (
        "accuracy is the share of test rows whose label equals the one answer the model always gives",
        "the model answers the most frequent class of the training labels for every test row; count "
        "the test rows of that class (section 2 printed the counts) and divide by the number of test rows",
    )
    message = f"majority_accuracy = {got:.4g} is not the test accuracy of this model"
    if got > 1 and math.isclose(got, 100 * expected, abs_tol=0.05):
        raise Wrong(f"{message}: it looks like a percentage; give a fraction between 0 and 1", *hints)
    if math.isclose(got, 1 - expected, abs_tol=5e-4):
        raise Wrong(f"{message}: that is the share of the other class, which the model never answers", *hints)
    if math.isclose(got, float(np.mean(train == majority)), abs_tol=5e-4):
        raise Wrong(
            f"{message}: that is its accuracy on the training rows; it is scored on the test rows", *hints
        )
    if math.isclose(got, float(np.mean(np.concatenate([train, test]) == majority)), abs_tol=5e-4):
        raise Wrong(
            f"{message}: that is the share in the whole data set (section 1); the test rows have their own",
            *hints,
        )
    raise Wrong(message, *hints)


@check("05.two_hidden_layers", "two hidden layers", points=3)
def two_hidden_layers(model_class: Any) -> None:
    """Exercise 1: a network with two hidden layers, ``model_class(input_dim, hidden=(64, 32))``.

    The model maps ``(batch, input_dim)`` to one logit per row, ``(batch, 1)``, through three
    ``nn.Linear`` layers of widths ``hidden[0]``, ``hidden[1]`` and 1 (in the order forward applies
    them, whatever the order they are created in), with a non-linearity after each hidden one
    (ReLU in the exercise; another activation is accepted), and nothing after the last one:
    ``BCEWithLogitsLoss`` takes logits.
    """
    facts = _build(model_class, INPUT_DIM, name="TwoHiddenLayers")
    if facts["n_linears"] != 3:
        raise Wrong(
            f"the model has {facts['n_linears']} nn.Linear layer(s); two hidden layers need 3",
            "count the weight matrices: input to the first hidden layer, first to second, and second "
            "to the output",
        )
    _one_logit_per_row(
        facts["output"],
        16,
        "chain the layers so that each one's out_features is the next one's in_features, and end with "
        "a layer that has one output",
    )
    applied = _linear_calls(facts)
    different = len({layer["index"] for layer in applied})
    if len(applied) != 3 or different != 3:
        raise Wrong(
            f"forward applies nn.Linear layers {len(applied)} time(s), {different} different one(s); "
            "it should apply each of the three layers once",
            "in forward, pass the input through the first layer, then the second, then the third",
        )
    widths = [layer["out_features"] for layer in applied]
    if widths != [64, 32, 1]:
        raise Wrong(
            f"the layers' widths (out_features, in the order forward applies them) are {widths}; with "
            "the default hidden=(64, 32) they should be 64, 32, then 1",
            "take the hidden sizes from the argument hidden, in order: the first hidden layer has "
            "hidden[0] units",
        )
    other_hidden = (fresh(16, 5, 40, offset=1), fresh(8, 3, 20, offset=2))
    label = f"TwoHiddenLayers({INPUT_DIM}, hidden={other_hidden})"
    other = _build(model_class, INPUT_DIM, other_hidden, name="TwoHiddenLayers")
    other_widths = [layer["out_features"] for layer in _linear_calls(other)]
    if other_widths != [*other_hidden, 1]:
        raise Wrong(
            f"{label} has layers of widths {other_widths} (out_features, in the order forward applies "
            f"them); they should follow the argument hidden: {other_hidden[0]}, {other_hidden[1]}, then 1",
            "create the layers from the argument hidden instead of fixed numbers",
        )
    _first_layer_follows_input_dim(model_class, "TwoHiddenLayers")
    if _is_linear(facts):
        raise Wrong(
            "the model is linear in its input: there is no non-linearity between the layers",
            "without an activation, three linear layers collapse into one linear map",
            "apply a ReLU to the output of each hidden layer (torch.relu or nn.ReLU), not to the logit",
        )
    for which, name in enumerate(("first", "second")):
        if _affine_between(facts, which):
            raise Wrong(
                f"the output of the {name} hidden layer reaches the next nn.Linear without a "
                "non-linearity: each hidden layer needs an activation after it",
                f"without one, the {name} hidden layer and the next layer collapse into one linear map",
                "apply a ReLU to the output of each hidden layer (torch.relu or nn.ReLU), not to the logit",
            )
    _squashed(facts, "model")


@check("05.activation_mlp", "a network with a chosen activation", points=2)
def activation_mlp(make_mlp: Any) -> None:
    """Exercise 2: ``make_mlp(input_dim, activation, hidden_dim=32)`` puts ``activation`` between two layers.

    It returns an ``nn.Sequential``: ``nn.Linear(input_dim, hidden_dim)``, the ``activation``
    module passed in, and ``nn.Linear(hidden_dim, 1)``, giving one logit per row. It is built
    with the default ``hidden_dim`` and with another one.
    """
    for activation, hidden_dim in (
        ("LeakyReLU(negative_slope=0.1)", None),
        ("Tanh()", fresh(16, 5, 40, offset=3)),
    ):
        args = (INPUT_DIM,) if hidden_dim is None else (INPUT_DIM, hidden_dim)
        label = f"make_mlp({INPUT_DIM}, {activation}{'' if hidden_dim is None else f', {hidden_dim}'})"
        facts = _build(make_mlp, *args, name="make_mlp", activation=activation)
        kind = activation.split("(")[0]
        used = facts["activations"]
        if used[-1:] == ["Sigmoid"] and len(used) > 1:
            raise Wrong(f"{label} ends with a Sigmoid: it returns probabilities, not logits", *_LOGITS_HINTS)
        if used != [kind]:
            raise Wrong(
                f"{label} contains the activations {used}; it should contain exactly one, the "
                f"{kind} passed in",
                "use the activation given as an argument instead of a fixed one",
            )
        _one_logit_per_row(
            facts["output"],
            16,
            "the first layer goes from input_dim to hidden_dim units, the last from hidden_dim to 1",
        )
        order = [call[0] for call in facts["calls"]]
        given = [number for number, call in enumerate(facts["calls"]) if call[1]["given"]]
        if not given:
            raise Wrong(
                f"{label} never applies the activation module it is given",
                "put the activation passed in, itself, between the two layers: it is already a module",
            )
        where = given[0]
        if "Linear" not in order[:where] or "Linear" not in order[where + 1 :]:
            raise Wrong(
                f"{label} applies its layers in this order: {order}; the activation belongs between "
                "the two linear layers",
                "after the last linear layer the activation would squash the logit itself",
            )
        _widths_follow(facts, label, hidden_dim, default=32)
        _squashed(facts, label)
        first, second = _linear_calls(facts)[:2]
        with torch.no_grad():
            hidden = _ACTIVATION_FUNCTIONS[activation](_inputs() @ first["weight"].T + first["bias"])
            expected = hidden @ second["weight"].T + second["bias"]
        if not torch.allclose(facts["output"], expected, atol=1e-5):
            raise Wrong(
                f"{label} does not compute layer 2 of ({kind} of layer 1 of x): another function sits "
                "between the layers",
                "apply only the activation passed in between the two layers, nothing else",
            )
    _first_layer_follows_input_dim(make_mlp, "make_mlp", activation="Tanh()")


def _widths_follow(facts: dict, label: str, hidden_dim: int | None, *, default: int) -> None:
    """Raise :class:`Wrong` unless the linear layers have widths ``hidden_dim`` (or ``default``), then 1."""
    widths = [layer["out_features"] for layer in _linear_calls(facts)]
    expected = default if hidden_dim is None else hidden_dim
    if widths != [expected, 1]:
        given = "the default hidden_dim" if hidden_dim is None else "hidden_dim"
        raise Wrong(
            f"{label} has linear layers of widths {widths} (out_features, in the order they are "
            f"applied); with {given} = {expected} they should be {expected}, then 1",
            "size the layers from the argument hidden_dim instead of a fixed number",
        )


@check("05.dropout_net", "dropout between the layers", points=2)
def dropout_net(make_net: Any) -> None:
    """Exercise 3: ``make_net(input_dim, p, hidden_dim=64)``: linear, ReLU, ``nn.Dropout(p)``, linear.

    The dropout acts on the hidden layer's activations, after the ReLU and before the output
    layer, which gives one logit per row.
    """
    inputs = _inputs()
    for p in (0.5, 0.3):
        facts = _build(make_net, INPUT_DIM, p, name="make_dropout_net")
        found = facts["dropout_p"]
        if found != [p]:
            raise Wrong(
                f"make_dropout_net({INPUT_DIM}, {p}) holds nn.Dropout layers with p = {found}; it should "
                f"hold one, with the p passed in",
                "create nn.Dropout from the argument p, once",
            )
    label = f"make_dropout_net({INPUT_DIM}, {p})"
    _one_logit_per_row(
        facts["output"],
        len(inputs),
        "the first layer goes from input_dim to hidden_dim units, the last from hidden_dim to 1",
    )
    calls = facts["train_calls"]
    kinds = [call[0] for call in calls]
    if "Dropout" not in kinds:
        raise Wrong(f"{label} never calls its nn.Dropout in forward", "apply the dropout module in forward")
    where = kinds.index("Dropout")
    dropout_input = calls[where][2]
    linears_before = [call[3] for call in calls[:where] if call[0] == "Linear"]
    if not linears_before or torch.equal(dropout_input, inputs):
        raise Wrong(
            f"{label} applies dropout to the input features, before the first layer",
            "dropout here should switch off hidden units, not input columns: it goes after the hidden "
            "layer's activation",
            "dropping input columns hides whole features (a one-hot column, age) from the network; "
            "put nn.Dropout(p) after the ReLU and before the output layer",
        )
    if "Linear" not in kinds[where + 1 :]:
        raise Wrong(
            f"{label} applies dropout after the output layer: it would zero the logit itself",
            "the dropout belongs before the output layer, after the hidden layer's activation",
        )
    if dropout_input.shape == linears_before[-1].shape and torch.equal(dropout_input, linears_before[-1]):
        raise Wrong(
            f"{label} applies dropout right after the first linear layer, before the activation",
            "the exercise asks for linear, ReLU, dropout, linear: the dropout acts on the activations",
        )
    _squashed(facts, label)
    first, second = facts["train_outputs"]
    if torch.equal(first, second):
        raise Wrong(
            f"in train mode, {label} gives the same outputs twice: its dropout changes nothing",
            "use the nn.Dropout module in forward (model.eval() switches it off, model.train() on)",
        )
    for hidden_dim in (None, fresh(16, 5, 40, offset=4)):
        arguments = (INPUT_DIM, 0.5) if hidden_dim is None else (INPUT_DIM, 0.5, hidden_dim)
        label = f"make_dropout_net{arguments}"
        _widths_follow(_build(make_net, *arguments, name=label), label, hidden_dim, default=64)


def _f1(probabilities: torch.Tensor, labels: torch.Tensor, threshold: float, positive: int = 1) -> float:
    """The F1 score of flagging ``probabilities >= threshold`` as the class ``positive``."""
    flagged = probabilities >= threshold if positive == 1 else probabilities < threshold
    actual = labels == positive
    true_positives = (flagged & actual).sum().item()
    return 2 * true_positives / max(flagged.sum().item() + actual.sum().item(), 1)


def _precision(probabilities: torch.Tensor, labels: torch.Tensor, threshold: float) -> float:
    """The precision of flagging ``probabilities >= threshold`` as label 1 (1.0 when none is flagged)."""
    flagged = probabilities >= threshold
    return (flagged & (labels == 1)).sum().item() / flagged.sum().item() if flagged.any() else 1.0


def _threshold_cases() -> list[tuple[torch.Tensor, torch.Tensor, list[float]]]:
    """Two synthetic sets of validation predictions and the thresholds to choose from.

    In each, the best F1, the best accuracy and the best F1 of label 0 fall on different thresholds.
    """
    cases = []
    for seed, share, shift, offset, thresholds in (
        (3, 0.25, 1.6, -1.2, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),
        (8, 0.5, 1.4, -0.2, [round(0.15 + 0.05 * step, 2) for step in range(14)]),
    ):
        generator = torch.Generator().manual_seed(seed)
        labels = (torch.rand(600, generator=generator) < share).float()  # (600,) of 0.0 / 1.0
        scores = torch.randn(600, generator=generator) + shift * labels + offset  # (600,)
        cases.append((torch.sigmoid(scores), labels, thresholds))  # probabilities (600,)
    return cases


@check("05.choose_threshold", "a threshold chosen on validation data", points=3)
def choose_threshold(choose: Any) -> None:
    """Exercise 4: ``choose(probabilities, labels, thresholds)`` returns the threshold with the best F1.

    ``probabilities`` (n,) are validation predictions P(label 1), ``labels`` (n,) are 0.0 / 1.0,
    and ``thresholds`` is a list of floats. A row is flagged as 1 when its probability is at
    least the threshold; F1 is that of label 1. The function returns the element of
    ``thresholds`` whose F1 is highest.
    """
    for probabilities, labels, thresholds in _threshold_cases():
        got = run(choose, probabilities.clone(), labels.clone(), list(thresholds), name="choose_threshold")
        scores = [_f1(probabilities, labels, threshold) for threshold in thresholds]
        if not _is_number(got):
            raise Wrong(
                f"choose_threshold returned {got!r}; it should return one of the thresholds, a number"
            )
        value = float(got)
        where = [index for index, threshold in enumerate(thresholds) if abs(value - threshold) < 1e-6]
        if not where:
            if float(value).is_integer() and 0 <= value < len(thresholds):
                raise Wrong(
                    f"choose_threshold returned {got!r}, a position in the list: return the threshold itself"
                )
            if any(abs(value - score) < 1e-6 for score in scores):
                raise Wrong(f"choose_threshold returned {value:.4g}, an F1 score: return its threshold")
            raise Wrong(f"choose_threshold returned {value:.4g}, which is not one of the thresholds offered")
        if scores[where[0]] >= max(scores) - 1e-9:
            continue
        accuracies = [((probabilities >= t).float() == labels).float().mean().item() for t in thresholds]
        rivals = {
            "accuracy": accuracies,
            "F1 score of label 0": [_f1(probabilities, labels, t, positive=0) for t in thresholds],
            "precision": [_precision(probabilities, labels, t) for t in thresholds],
            "recall": [((probabilities >= t) & (labels == 1)).sum().item() for t in thresholds],
        }
        hints = (
            "for each threshold, flag the rows whose probability is at least the threshold, count true "
            "positives, false positives and false negatives, and compute F1 = 2 TP / (2 TP + FP + FN)",
            "keep the threshold whose F1 is largest, and return that threshold, not its F1 score",
        )
        matches = [
            what
            for what, values in rivals.items()
            if values[where[0]] >= max(values) - 1e-9  # the returned threshold is best by this measure
        ]
        if matches:
            best = " and the best ".join(matches)
            raise Wrong(
                f"choose_threshold returned {value:g}, the threshold with the best {best}; "
                "the exercise asks for the best F1 score of label 1",
                *hints,
            )
        raise Wrong(
            f"choose_threshold returned {value:g}, whose F1 score is {scores[where[0]]:.4f}; another "
            "threshold offered reaches a higher F1",
            *hints,
        )
