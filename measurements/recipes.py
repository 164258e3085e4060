"""The data, model and training recipes of lesson 04 (notebooks/04_mlp_regression.ipynb), for scripts.

The data and the true function come from ``course_utils``. The rest exists in the lesson only as
notebook code, so it is written here once, mirroring these sections of the notebook:

- section 1: ``load_data`` (the grid of 1000 points, the truth on it, 100 noisy observations drawn
  from ``cu.seed_everything(0)``'s generator);
- section 2: ``make_mlp``;
- sections 6 and 13: ``Standardize``, ``Unstandardize`` and ``make_scaled_mlp``;
- section 13: ``train_full_batch``, ``train_fast_recipe``, ``train_with_loader`` (the slow recipe),
  ``train_mse`` and ``true_mse``;
- section 14: ``train_plain_recipe`` and ``train_seeds`` (the vmap-based training of many seeds).

Differences from the notebook, none of which changes a number: no tqdm progress bars; the data are
passed as arguments instead of read from notebook globals; ``train_with_loader`` also returns the
worksheet's summed loss of every epoch; ``train_seeds`` takes the epoch count, the float dtype and the
data, and can also return the trained parameters.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call, stack_module_state
from torch.utils.data import TensorDataset

import course_utils as cu

FAST_EPOCHS = 1800  # section 13: the fast and the plain recipe's epochs
SLOW_EPOCHS = 50_000  # the worksheet's (and the slow recipe's) full run
GOOD_FIT = 25.0  # section 14: "an MSE of at most 25 against the true function"


@dataclass(frozen=True)
class Data:
    """The lesson's data: 100 observations and the dense grid the fits are scored on."""

    x_obs: torch.Tensor  # (100,)
    y_obs: torch.Tensor  # (100,)
    grid: torch.Tensor  # (1000,)
    truth: torch.Tensor  # (1000,): cubic_wave on the grid

    @property
    def inputs(self) -> torch.Tensor:  # (100, 1)
        return self.x_obs[:, None]

    @property
    def targets(self) -> torch.Tensor:  # (100, 1)
        return self.y_obs[:, None]

    @property
    def grid_inputs(self) -> torch.Tensor:  # (1000, 1)
        return self.grid[:, None]

    @property
    def loss_scale(self) -> float:
        """1 / s.d.(y)^2: the fast recipe's loss in standardised units of y (section 14)."""
        return 1 / self.y_obs.std().item() ** 2


def load_data() -> Data:
    """Section 1: the notebook's setup draws the data first from ``cu.seed_everything(0)``'s generator."""
    generator = cu.seed_everything(0)
    grid = torch.linspace(-5, 5, 1000)
    x_obs, y_obs = cu.make_cubic_wave_data(100, noise_std=10.0, generator=generator)
    return Data(x_obs=x_obs, y_obs=y_obs, grid=grid, truth=cu.cubic_wave(grid))


def make_mlp(n_hidden: int = 10) -> nn.Sequential:
    """Section 2: the 1 -> 10 -> 10 -> 10 -> 1 ReLU network as an nn.Sequential."""
    return nn.Sequential(
        nn.Linear(1, n_hidden),
        nn.ReLU(),
        nn.Linear(n_hidden, n_hidden),
        nn.ReLU(),
        nn.Linear(n_hidden, n_hidden),
        nn.ReLU(),
        nn.Linear(n_hidden, 1),
    )


class Standardize(nn.Module):
    """Section 6: x -> (x - mean) / std, with a fixed mean and std stored as buffers."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


class Unstandardize(Standardize):
    """Section 13: y -> y * std + mean, from the network's units back to y's."""

    def forward(self, y):
        return y * self.std + self.mean


def make_scaled_mlp(x: torch.Tensor, y: torch.Tensor) -> nn.Sequential:
    """Section 13: make_mlp() between an input scaling (x to mean 0, s.d. 2) and the scaling back to y."""
    return nn.Sequential(Standardize(x.mean(), x.std() / 2), make_mlp(), Unstandardize(y.mean(), y.std()))


def train_mse(model: nn.Module, data: Data) -> float:
    """Section 13: the model's MSE on the 100 training points."""
    with torch.inference_mode():
        return nn.functional.mse_loss(model(data.inputs), data.targets).item()


def true_mse(model: nn.Module, data: Data) -> float:
    """Section 13: mean squared distance between the model and the true function over the grid."""
    with torch.inference_mode():
        return (model(data.grid_inputs).squeeze(1) - data.truth).pow(2).mean().item()


def train_full_batch(model, optimizer, epochs, data, *, scheduler=None, loss_scale=1.0) -> list[float]:
    """Section 13: one update per epoch on all 100 points; the loss (units of y squared) of every epoch."""
    loss_fn = nn.MSELoss()
    history = []
    for _ in range(epochs):
        loss = loss_fn(model(data.inputs), data.targets)
        optimizer.zero_grad()
        (loss_scale * loss).backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        history.append(loss.item())
    return history


def train_fast_recipe(model, epochs, data) -> list[float]:
    """Section 13: a make_scaled_mlp model, full batch, Adam (1e-2, betas (0.3, 0.99)), cosine to 0."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.3, 0.99))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    y_std = model[-1].std
    return train_full_batch(model, optimizer, epochs, data, scheduler=scheduler, loss_scale=1 / y_std**2)


def train_plain_recipe(model, epochs, data) -> list[float]:
    """Section 14: raw x and y, full batch, Adam at 1e-2 with the default betas, cosine to 0."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    return train_full_batch(model, optimizer, epochs, data, scheduler=scheduler)


@dataclass
class SlowHistory:
    """What the slow recipe recorded in every epoch."""

    mean: list[float]  # the notebook's loss: the mean over the 100 points
    summed: list[float]  # the worksheet's loss: the sum of the 4 mini-batches' mean losses


def train_with_loader(model, epochs, data, *, batch_size=25, shuffle=True, lr=1e-4) -> SlowHistory:
    """Section 13: the slow recipe, Adam at a fixed lr over shuffled mini-batches of 25.

    The loader's generator is seeded with 0, as in the notebook. Besides the notebook's loss of every
    epoch it records the worksheet's: Sheet 2.3 adds up ``loss.item()`` over the epoch's mini-batches
    (``current_loss += loss.item()``) and prints that sum, so 4 batches give about 4 times the mean.
    """
    loader = cu.make_loader(
        TensorDataset(data.inputs, data.targets),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(0),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    history = SlowHistory(mean=[], summed=[])
    for _ in range(epochs):
        total, summed = 0.0, 0.0
        for batch_inputs, batch_targets in loader:
            loss = loss_fn(model(batch_inputs), batch_targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch_inputs)
            summed += loss.item()
        history.mean.append(total / len(data.inputs))
        history.summed.append(summed)
    return history


@dataclass
class SeedsResult:
    """train_seeds' answer: one entry per seed."""

    train: torch.Tensor  # (n_seeds,): training MSE
    true: torch.Tensor  # (n_seeds,): MSE against the true function on the grid
    params: dict[str, torch.Tensor] | None = None  # name -> (n_seeds, ...) when asked for


def train_seeds(
    make_model: Callable[[], nn.Module],
    seeds: Iterable[int],
    data: Data,
    *,
    betas: tuple[float, float],
    loss_scale: float = 1.0,
    epochs: int = FAST_EPOCHS,
    dtype: torch.dtype = torch.float64,
    keep_params: bool = False,
) -> SeedsResult:
    """Section 14: one model per seed, all trained at once: full batch, Adam at 1e-2, cosine decay.

    As in the notebook, model i starts from ``torch.manual_seed(seeds[i])``, the models are stacked
    with ``stack_module_state`` and run through ``vmap(functional_call)``, the loss is the sum of the
    models' mean losses, and the models train in float64 (``dtype`` exists to show what float32 does).
    """
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(make_model().to(dtype))
    params, buffers = stack_module_state(models)
    skeleton = copy.deepcopy(models[0]).to("meta")

    def one_model(params, buffers, x):
        return functional_call(skeleton, (params, buffers), (x,))

    all_models = torch.vmap(one_model, in_dims=(0, 0, None))
    optimizer = torch.optim.Adam(params.values(), lr=1e-2, betas=betas)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    x, y = data.inputs.to(dtype), data.targets.to(dtype)
    for _ in range(epochs):
        losses = (all_models(params, buffers, x) - y).pow(2).mean(dim=(1, 2))
        optimizer.zero_grad()
        (loss_scale * losses.sum()).backward()
        optimizer.step()
        scheduler.step()
    with torch.inference_mode():
        train = (all_models(params, buffers, x) - y).pow(2).mean(dim=(1, 2))
        fits = all_models(params, buffers, data.grid_inputs.to(dtype)).squeeze(2)
        true = (fits - data.truth.to(dtype)).pow(2).mean(dim=1)
    kept = {name: value.detach().clone() for name, value in params.items()} if keep_params else None
    return SeedsResult(train=train, true=true, params=kept)


def plain_model() -> nn.Module:
    """The plain recipe's model: make_mlp on raw x and y."""
    return make_mlp()


def scaled_model_maker(data: Data) -> Callable[[], nn.Module]:
    """The fast recipe's model: make_scaled_mlp with the training data's mean and s.d."""
    return lambda: make_scaled_mlp(data.x_obs, data.y_obs)
