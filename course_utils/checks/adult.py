"""Checks for the exercises of notebook 05 (the Adult income classifier)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from course_utils.check import Verdict, call, verdict

#: The number of input features the exercises use (the chapter's preprocessing gives 108).
INPUT_DIM = 108

_ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.SiLU, nn.ELU)


def _build(factory: Any, *args: Any, name: str) -> tuple[bool, Any]:
    """Call ``factory(*args)`` with torch's global random state left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return call(factory, *args, name=name)


def _forward(model: nn.Module, inputs: torch.Tensor, *, name: str) -> tuple[bool, Any]:
    """Run ``model`` on ``inputs`` in eval mode without gradients; an error becomes a message."""
    model.eval()
    with torch.no_grad():
        return call(model, inputs, name=name)


def _inputs(rows: int = 16) -> torch.Tensor:
    return torch.randn(rows, INPUT_DIM, generator=torch.Generator().manual_seed(1))


def _shape_problem(output: Any, rows: int) -> str | None:
    """Why ``output`` is not one logit per row, or ``None`` when it is."""
    if isinstance(output, str):  # the message of an exception
        return output
    if not isinstance(output, torch.Tensor):
        return f"a {type(output).__name__}, not a tensor"
    if tuple(output.shape) != (rows, 1):
        return f"output of shape {tuple(output.shape)}"
    return None


def _is_linear(model: nn.Module, inputs: torch.Tensor) -> bool:
    """Whether ``model`` is affine on ``inputs``: f(2x) - f(0) == 2 (f(x) - f(0))."""
    with torch.no_grad():
        zero = model(torch.zeros_like(inputs))
        return torch.allclose(model(2 * inputs) - zero, 2 * (model(inputs) - zero), atol=1e-5)


def two_hidden_layers(model_class: Any) -> Verdict:
    """Exercise 1: a network with two hidden layers, ``model_class(input_dim)``.

    The model must map ``(batch, input_dim)`` to one logit per row, ``(batch, 1)``,
    through three ``nn.Linear`` layers with a non-linearity after each hidden one.

    Example:
        >>> class Net(nn.Module):
        ...     def __init__(self, input_dim, hidden=(64, 32)):
        ...         super().__init__()
        ...         self.fc1 = nn.Linear(input_dim, hidden[0])
        ...         self.fc2 = nn.Linear(hidden[0], hidden[1])
        ...         self.fc3 = nn.Linear(hidden[1], 1)
        ...     def forward(self, x):
        ...         return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))
        >>> two_hidden_layers(Net)
        ✅ two hidden layers: correct
        True
    """
    name = "two hidden layers"
    done, model = _build(model_class, INPUT_DIM, name="model_class")
    if not done:
        return verdict(name, None)
    if not isinstance(model, nn.Module):
        got = model if isinstance(model, str) else f"a {type(model).__name__}"
        return verdict(
            name,
            False,
            expected="an nn.Module built by model_class(input_dim)",
            got=got,
            hint="subclass nn.Module, call super().__init__() first, then create the layers",
        )
    linears = [module for module in model.modules() if isinstance(module, nn.Linear)]
    if len(linears) != 3:
        return verdict(
            name,
            False,
            expected="3 nn.Linear layers (input -> h1 -> h2 -> 1 logit)",
            got=f"{len(linears)} nn.Linear layer(s)",
            hint=(
                "two hidden layers need three weight matrices: input to the first hidden "
                "layer, first to second, and second to the output"
            ),
        )
    inputs = _inputs()
    done, output = _forward(model, inputs, name="model")
    problem = _shape_problem(output, len(inputs))
    if problem:
        return verdict(
            name,
            False,
            expected=f"output of shape ({len(inputs)}, 1) for input of shape ({len(inputs)}, {INPUT_DIM})",
            got=problem,
            hint=(
                "chain the layers so each one's out_features is the next one's in_features, "
                "and end with nn.Linear(hidden, 1): one logit, no sigmoid"
            ),
        )
    widths = [linear.out_features for linear in linears]
    if widths != [64, 32, 1]:
        return verdict(
            name,
            False,
            expected="layer widths [64, 32, 1] with the default hidden=(64, 32)",
            got=f"layer widths {widths}",
            hint=(
                "nn.Linear(input_dim, hidden[0]), nn.Linear(hidden[0], hidden[1]), "
                "nn.Linear(hidden[1], 1), created in that order"
            ),
        )
    if _is_linear(model, inputs):
        return verdict(
            name,
            False,
            expected="a non-linearity (e.g. ReLU) after each hidden layer",
            got="a model that is linear in its input",
            hint=(
                "without an activation, three linear layers collapse into one linear map; "
                "apply torch.relu (or nn.ReLU) to each hidden layer's output"
            ),
        )
    return verdict(name, True)


def activation_mlp(make_mlp: Any) -> Verdict:
    """Exercise 2: ``make_mlp(input_dim, activation)`` puts ``activation`` between two layers.

    Example:
        >>> def make_mlp(input_dim, activation, hidden_dim=32):
        ...     return nn.Sequential(nn.Linear(input_dim, hidden_dim), activation,
        ...                          nn.Linear(hidden_dim, 1))
        >>> activation_mlp(make_mlp)
        ✅ a network with a chosen activation: correct
        True
    """
    name = "a network with a chosen activation"
    inputs = _inputs()
    for activation in (nn.LeakyReLU(0.1), nn.Tanh()):
        label = f"make_mlp({INPUT_DIM}, {activation})"
        done, model = _build(make_mlp, INPUT_DIM, activation, name="make_mlp")
        if not done:
            return verdict(name, None)
        if not isinstance(model, nn.Module):
            got = model if isinstance(model, str) else f"a {type(model).__name__}"
            return verdict(
                name,
                False,
                expected=f"{label} to return an nn.Module",
                got=got,
                hint="return nn.Sequential(nn.Linear(...), activation, nn.Linear(...))",
            )
        used = [type(module).__name__ for module in model.modules() if isinstance(module, _ACTIVATIONS)]
        if used != [type(activation).__name__]:
            return verdict(
                name,
                False,
                expected=f"{label} to contain exactly one activation, {type(activation).__name__}",
                got=f"activations {used}",
                hint=(
                    "use the activation passed in as an argument instead of a fixed "
                    "nn.ReLU(), and put it between the two linear layers"
                ),
            )
        done, output = _forward(model, inputs, name=label)
        problem = _shape_problem(output, len(inputs))
        if problem:
            return verdict(
                name,
                False,
                expected=f"{label} to give one logit per row, ({len(inputs)}, 1)",
                got=problem,
                hint="Linear(input_dim, hidden), activation, Linear(hidden, 1)",
            )
        layers = [
            type(module).__name__ for module in model.modules() if next(module.children(), None) is None
        ]  # the leaves, in order
        where = layers.index(type(activation).__name__)
        if "Linear" not in layers[:where] or "Linear" not in layers[where + 1 :]:
            return verdict(
                name,
                False,
                expected=f"the activation between the two linear layers of {label}",
                got=f"layers in this order: {layers}",
                hint=(
                    "put the activation after the first Linear, not after the last one "
                    "(there it would squash the logit itself)"
                ),
            )
    return verdict(name, True)


def dropout_net(make_net: Any) -> Verdict:
    """Exercise 3: ``make_net(input_dim, p)`` with ``nn.Dropout(p)`` between the layers.

    Example:
        >>> def make_net(input_dim, p, hidden_dim=32):
        ...     return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Dropout(p),
        ...                          nn.Linear(hidden_dim, 1))
        >>> dropout_net(make_net)
        ✅ dropout between the layers: correct
        True
    """
    name = "dropout between the layers"
    inputs = _inputs()
    done, model = _build(make_net, INPUT_DIM, 0.5, name="make_net")
    if not done:
        return verdict(name, None)
    if not isinstance(model, nn.Module):
        got = model if isinstance(model, str) else f"a {type(model).__name__}"
        return verdict(
            name,
            False,
            expected="make_net(input_dim, p) to return an nn.Module",
            got=got,
            hint="return nn.Sequential(Linear, ReLU, Dropout(p), Linear)",
        )
    dropouts = [module for module in model.modules() if isinstance(module, nn.Dropout)]
    if [module.p for module in dropouts] != [0.5]:
        return verdict(
            name,
            False,
            expected="one nn.Dropout with the p passed in (0.5 here)",
            got=f"dropout probabilities {[module.p for module in dropouts]}",
            hint="create nn.Dropout(p) from the argument p; it belongs after the hidden layer's activation",
        )
    done, output = _forward(model, inputs, name="make_net(...)")
    problem = _shape_problem(output, len(inputs))
    if problem:
        return verdict(
            name,
            False,
            expected=f"one logit per row, ({len(inputs)}, 1)",
            got=problem,
            hint="Linear(input_dim, hidden), ReLU, Dropout(p), Linear(hidden, 1)",
        )
    children = list(model.children())
    if children and isinstance(children[-1], nn.Dropout):
        return verdict(
            name,
            False,
            expected="dropout between layers, before the output layer",
            got="nn.Dropout as the last layer: it would zero the logit itself",
            hint="dropout on the output makes the prediction random; drop hidden units",
        )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model.train()
        with torch.no_grad():
            first, second = model(inputs), model(inputs)
    if torch.equal(first, second):
        return verdict(
            name,
            False,
            expected="outputs that vary between two calls in train mode",
            got="the same outputs twice: the dropout does nothing",
            hint=(
                "use nn.Dropout (a module, switched off by model.eval()) rather than a "
                "fixed mask or F.dropout(x, training=False)"
            ),
        )
    return verdict(name, True)


def _noisy_case() -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(2)
    numeric = 40 + 12 * torch.randn(500, 3, generator=generator)  # (500, 3), raw scale
    categorical = torch.eye(4)[torch.randint(0, 4, (500,), generator=generator)]  # (500, 4)
    targets = torch.randint(0, 2, (500,), generator=generator).float()  # (500,)
    mean, std = numeric.mean(dim=0), numeric.std(dim=0)  # (3,), (3,)
    return numeric, categorical, targets, mean, std


def _items(dataset: Any) -> tuple[bool, Any]:
    """All items of ``dataset`` stacked: ``(features (n, d), targets (n,))`` or a message."""

    def stack(data: Any) -> tuple[torch.Tensor, torch.Tensor]:
        pairs = [data[index] for index in range(len(data))]
        return (
            torch.stack([torch.as_tensor(f) for f, _ in pairs]),
            torch.stack([torch.as_tensor(t) for _, t in pairs]),
        )

    return call(stack, dataset, name="dataset[i]")


def noisy_dataset(dataset_class: Any) -> Verdict:
    """Exercise 4: a ``Dataset`` that standardises numeric columns on the fly and adds noise.

    ``dataset_class(numeric, categorical, targets, mean, std, noise_std, generator)``
    returns items ``(features, target)`` where ``features`` is
    ``(numeric[i] - mean) / std + noise_std * N(0, 1)`` (noise drawn from ``generator``
    at every access) followed by ``categorical[i]``.

    Example:
        >>> from torch.utils.data import Dataset
        >>> class Noisy(Dataset):
        ...     def __init__(self, numeric, categorical, targets, mean, std, noise_std, generator):
        ...         self.numeric, self.categorical, self.targets = numeric, categorical, targets
        ...         self.mean, self.std = mean, std
        ...         self.noise_std, self.generator = noise_std, generator
        ...     def __len__(self):
        ...         return len(self.targets)
        ...     def __getitem__(self, i):
        ...         scaled = (self.numeric[i] - self.mean) / self.std
        ...         noise = torch.randn(scaled.shape, generator=self.generator)
        ...         return torch.cat([scaled + self.noise_std * noise, self.categorical[i]]), self.targets[i]
        >>> noisy_dataset(Noisy)
        ✅ noisy, normalising Dataset: correct
        True
    """
    name = "noisy, normalising Dataset"
    numeric, categorical, targets, mean, std = _noisy_case()
    scaled = (numeric - mean) / std  # (500, 3)

    def make(noise_std: float, seed: int) -> Any:
        return dataset_class(
            numeric.clone(),
            categorical.clone(),
            targets.clone(),
            mean,
            std,
            noise_std,
            torch.Generator().manual_seed(seed),
        )

    done, clean = call(make, 0.0, 0, name="dataset_class")
    if not done:
        return verdict(name, None)
    if isinstance(clean, str):
        return verdict(
            name,
            False,
            expected=(
                "dataset_class(numeric, categorical, targets, mean, std, "
                "noise_std, generator) to build a dataset"
            ),
            got=clean,
            hint="__init__ takes exactly these seven arguments and stores them",
        )
    done, length = call(len, clean, name="len(dataset)")
    if not done:
        return verdict(name, None)
    if length != len(targets):
        return verdict(
            name,
            False,
            expected=f"len(dataset) == {len(targets)}",
            got=length,
            hint="__len__ returns the number of rows, len(self.targets)",
        )
    done, items = _items(clean)
    if not done:
        return verdict(name, None)
    if isinstance(items, str):
        return verdict(
            name,
            False,
            expected="dataset[i] to return (features, target)",
            got=items,
            hint="__getitem__ returns a pair: a 1-D feature tensor and the target",
        )
    features, labels = items
    if tuple(features.shape) != (500, 7) or not torch.equal(labels, targets):
        return verdict(
            name,
            False,
            expected="features of shape (7,) (3 numeric then 4 one-hot) and the unchanged target",
            got=f"features of shape {tuple(features.shape[1:])}",
            hint="torch.cat([scaled numeric, categorical[i]]) and return targets[i] as is",
        )
    if not torch.allclose(features, torch.cat([scaled, categorical], dim=1), atol=1e-5):
        return verdict(
            name,
            False,
            expected="with noise_std=0: (numeric[i] - mean) / std, then categorical[i]",
            got="other numbers",
            hint=(
                "standardise only the numeric part, with the mean and std passed in, "
                "and put it first; leave the one-hot columns as they are"
            ),
        )
    done, noisy = call(make, 0.5, 0, name="dataset_class")
    first, second = _items(noisy)[1], _items(noisy)[1]
    if isinstance(first, str) or isinstance(second, str):
        return verdict(
            name,
            False,
            expected="dataset[i] to work with noise_std=0.5",
            got=first if isinstance(first, str) else second,
        )
    noise = first[0][:, :3] - scaled  # (500, 3)
    if not torch.equal(first[0][:, 3:], categorical):
        return verdict(
            name,
            False,
            expected="noise on the numeric columns only",
            got="changed one-hot columns",
            hint=(
                "a one-hot column is a category, not a measurement: add noise to the "
                "standardised numeric part only"
            ),
        )
    if not 0.4 < noise.std().item() < 0.6 or abs(noise.mean().item()) > 0.1:
        return verdict(
            name,
            False,
            expected=(
                "noise of mean 0 and standard deviation 0.5 "
                "(noise_std, in units of the standardised features)"
            ),
            got=f"noise of mean {noise.mean().item():.3f} and std {noise.std().item():.3f}",
            hint="add noise_std * torch.randn(...) after standardising, not before",
        )
    if torch.equal(first[0], second[0]):
        return verdict(
            name,
            False,
            expected="fresh noise at every access (augmentation)",
            got="the same noise twice for the same item",
            hint="draw the noise inside __getitem__, not once in __init__",
        )
    again = _items(make(0.5, 0))[1]
    if isinstance(again, str) or not torch.equal(again[0], first[0]):
        return verdict(
            name,
            False,
            expected="the same noise from two generators with the same seed",
            got="different noise",
            hint="draw with torch.randn(..., generator=self.generator)",
        )
    return verdict(name, True)
