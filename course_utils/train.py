"""A training loop split into its parts: one epoch of training, one evaluation, and ``fit``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]


T = TypeVar("T")

#: tqdm's bar without timings: the finished line is the same on every run.
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}"


def progress(iterable: Iterable[T], *, desc: str, total: int | None = None) -> Iterator[T]:
    """Iterate over ``iterable`` behind a progress bar that ends as one finished line of text.

    The bar is tqdm's text bar, written to standard output and redrawn in place. A notebook keeps
    its last state, e.g. ``epochs: 100%|██████████| 300/300``, so GitHub, nbconvert and the course
    website show a finished bar (a widget bar would show there as it started, at 0 %).

    Args:
        iterable: what to iterate over, e.g. ``range(epochs)``.
        desc: what is counted, e.g. ``"epochs"``.
        total: the number of items, where ``len(iterable)`` does not give it.

    Example:
        >>> import contextlib, io
        >>> with contextlib.redirect_stdout(io.StringIO()) as printed:
        ...     total = sum(progress(range(4), desc="items"))
        >>> total, printed.getvalue().splitlines()[-1]   # the bar as it was last redrawn
        (6, 'items: 100%|██████████| 4/4')
    """
    if not isinstance(desc, str) or not desc:
        raise ValueError(f"progress: desc must say what is counted, e.g. 'epochs', got {desc!r}")
    return iter(
        tqdm(
            iterable,
            desc=desc,
            total=total,
            file=sys.stdout,
            bar_format=BAR_FORMAT,
            ascii=False,
            mininterval=0.2,
        )
    )


_progress = progress  # for ``fit``, whose argument ``progress`` hides the function


def binary_accuracy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Fraction of correct 0/1 predictions from logits (a logit > 0 means class 1).

    Example:
        >>> binary_accuracy(torch.tensor([2.0, -1.0, 0.5]), torch.tensor([1.0, 0.0, 0.0]))
        tensor(0.6667)
    """
    if logits.shape != targets.shape:
        raise ValueError(
            f"binary_accuracy: logits have shape {tuple(logits.shape)} but targets have "
            f"{tuple(targets.shape)}; they must match (squeeze the model's output?)"
        )
    return ((logits > 0).float() == targets).float().mean()


def make_loader(
    dataset: Dataset,
    *,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    num_workers: int = 0,
) -> DataLoader:
    """A ``DataLoader`` with the course's defaults: no worker processes, seeded shuffling.

    ``num_workers=0`` loads batches in the notebook's own process: worker processes
    hang or crawl in notebooks on some platforms, and for data already in memory
    they only add cost. Shuffling needs an explicit ``generator`` so that the
    order of the batches is reproducible.

    Example:
        >>> from torch.utils.data import TensorDataset
        >>> data = TensorDataset(torch.arange(10.0).view(10, 1), torch.zeros(10))
        >>> loader = make_loader(data, batch_size=4, shuffle=True,
        ...                      generator=torch.Generator().manual_seed(0))
        >>> [len(targets) for _, targets in loader]
        [4, 4, 2]
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"make_loader: batch_size must be a positive int, got {batch_size!r}")
    if shuffle and generator is None:
        raise ValueError("make_loader: shuffle=True needs generator=torch.Generator().manual_seed(...)")
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, num_workers=num_workers
    )


def train_step(
    model: nn.Module,
    loader: Batches,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
) -> float:
    """Train ``model`` for one pass over ``loader``; return the mean loss per example.

    Example:
        >>> model = nn.Linear(1, 1)
        >>> loader = [(torch.ones(4, 1), torch.zeros(4, 1))]
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> loss = train_step(model, loader, nn.MSELoss(), optimizer, "cpu")
        >>> loss > 0
        True
    """
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
        count += len(targets)
    if count == 0:
        raise ValueError("train_step: loader gave no batches")
    return total / count


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Batches,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: torch.device | str,
    *,
    metric: Metric | None = None,
) -> dict[str, float]:
    """Evaluate ``model`` on ``loader`` without gradients, in eval mode.

    Returns:
        ``{"loss": mean loss per example}``, plus ``"metric"`` (a fraction,
        averaged over examples) when ``metric`` is given.

    Example:
        >>> model = nn.Linear(1, 1)
        >>> _ = nn.init.zeros_(model.weight), nn.init.zeros_(model.bias)
        >>> evaluate(model, [(torch.ones(2, 1), torch.ones(2, 1))], nn.MSELoss(), "cpu")
        {'loss': 1.0}
    """
    model.eval()
    totals = {"loss": 0.0, "metric": 0.0}
    count = 0
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        outputs = model(inputs)
        totals["loss"] += loss_fn(outputs, targets).item() * len(targets)
        if metric is not None:
            totals["metric"] += metric(outputs, targets).item() * len(targets)
        count += len(targets)
    if count == 0:
        raise ValueError("evaluate: loader gave no batches")
    keys = ("loss", "metric") if metric is not None else ("loss",)
    return {key: totals[key] / count for key in keys}


def fit(
    model: nn.Module,
    train_loader: Batches,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    device: torch.device | str,
    val_loader: Batches | None = None,
    metric: Metric | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train for ``epochs`` epochs and return the history of losses (and metrics).

    The model must already be on ``device``; each batch is moved there. A
    ``scheduler``, if given, is stepped once per epoch.

    Returns:
        ``{"train_loss": [...]}`` with one value per epoch, plus ``"val_loss"``
        (and ``"val_metric"``, a fraction) when ``val_loader`` is given.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> model = nn.Linear(1, 1)
        >>> loader = [(torch.arange(4.0).view(4, 1), 2 * torch.arange(4.0).view(4, 1))]
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> history = fit(model, loader, nn.MSELoss(), optimizer, epochs=50,
        ...               device="cpu", progress=False)
        >>> len(history["train_loss"]), history["train_loss"][-1] < history["train_loss"][0]
        (50, True)
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    history: dict[str, list[float]] = {"train_loss": []}
    epoch_numbers = _progress(range(epochs), desc="epochs") if progress else range(epochs)
    for _ in epoch_numbers:
        history["train_loss"].append(train_step(model, train_loader, loss_fn, optimizer, device))
        if val_loader is not None:
            result = evaluate(model, val_loader, loss_fn, device, metric=metric)
            for key, value in result.items():
                history.setdefault(f"val_{key}", []).append(value)
        if scheduler is not None:
            scheduler.step()
    return history
