"""Sheet 2.3's own run, redone: its data drawn its way, its recipe, its summed loss after 50,000 epochs.

    python measurements/sheet_2_3.py             # seeds 0 to 5, writes results/sheet_2_3.txt
    python measurements/sheet_2_3.py --quick     # seed 0, 2,000 epochs, a quick check

The worksheet that lesson 04 follows (Sheet 2.3: Non-linear regression) prints, after 50,000 epochs,
a loss of 415.121: the sum of ``loss.item()`` over the epoch's 4 mini-batches (about 104 a batch).
It sets no seed, so that run cannot be repeated exactly; ``slow_recipe.py`` measures the same loss
on the lesson's data. This script follows the sheet's own order of random draws from
``torch.manual_seed(seed)``, for a few seeds, to show what that printed number typically is:

1. the noise, ``Normal(0, 10).sample([100])``, then ``x = 10 * rand(100) - 5`` and
   ``y = f(x) + noise`` with f(x) = x**3 - x**2 + 25 sin(2x) (``cu.cubic_wave``);
2. the sheet's explicit model (drawn, then set aside) and its ``nn.Sequential`` model, the one it
   trains: both are ``make_mlp()``'s 1 -> 10 -> 10 -> 10 -> 1 ReLU network;
3. a ``DataLoader`` with ``batch_size=25, shuffle=True`` and no generator of its own (so it draws from
   torch's global generator), read once to show the batches, as the sheet does;
4. Adam at 1e-4, ``nn.MSELoss``, 50,000 epochs; the loss is summed over the batches of an epoch and
   reported every 2,500 epochs, as the sheet prints it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import recipes
import report
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import course_utils as cu

PRINT_EVERY = 2500
FULL_RUN = {"seeds": list(range(6)), "epochs": recipes.SLOW_EPOCHS}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--seeds", type=int, nargs="+", help="seeds (0 1 2 3 4 5)")
    add("--epochs", type=int, help="epochs (50000)")
    add("--quick", action="store_true", help="a quick check: seed 0, 2,000 epochs")
    add("--out", help="results file (default: results/sheet_2_3.txt, or sheet_2_3-quick.txt)")
    args = parser.parse_args()
    quick = {"seeds": [0], "epochs": 2000} if args.quick else {}
    for name, value in FULL_RUN.items():
        if getattr(args, name) is None:
            setattr(args, name, quick.get(name, value))
    if args.out is None:
        full = all(getattr(args, name) == value for name, value in FULL_RUN.items())
        args.out = report.RESULTS / ("sheet_2_3.txt" if full else "sheet_2_3-quick.txt")
    return args


def sheet_run(seed: int, epochs: int) -> dict:
    """The sheet's draws and training from ``torch.manual_seed(seed)``; its summed loss every 2,500 epochs."""
    torch.manual_seed(seed)
    noise = torch.distributions.Normal(loc=0.0, scale=10).sample([100])
    x_obs = 10 * torch.rand([100]) - 5
    y_obs = cu.cubic_wave(x_obs) + noise
    recipes.make_mlp()  # the sheet's explicit model: drawn, not trained
    model = recipes.make_mlp()  # the sheet's nn.Sequential model, the one it trains
    loader = DataLoader(TensorDataset(x_obs[:, None], y_obs[:, None]), batch_size=25, shuffle=True)
    list(loader)  # the sheet shows the batches once before training
    loss_function = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    printed = {}
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        current_loss = 0.0
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = loss_function(model(inputs), targets)
            loss.backward()
            optimizer.step()
            current_loss += loss.item()
        if epoch % PRINT_EVERY == 0 or epoch == epochs:
            printed[epoch] = current_loss
    seconds = time.perf_counter() - started
    grid = torch.linspace(-5, 5, 1000)
    with torch.inference_mode():
        true_mse = (model(grid[:, None]).squeeze(1) - cu.cubic_wave(grid)).pow(2).mean().item()
    return {
        "seed": seed,
        "seconds": seconds,
        "printed": printed,
        "summed": printed[epochs],
        "truth_summed": 4 * noise.pow(2).mean().item(),  # the true function's own summed loss
        "true": true_mse,
    }


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    out = report.Output(Path(args.out))
    out(report.header(report.command_line()))
    out(f"seeds: {', '.join(map(str, args.seeds))}, one after another")
    out()
    out("summed: the sheet's printed loss after the last epoch; truth: the true function's own summed loss")
    out("on that seed's data (4 x the noise's mean square); vs truth: MSE against the true function")
    out(f"{'seed':>4s}  {'summed':>9s}  {'a batch':>8s}  {'truth':>8s}  {'vs truth':>9s}  {'time s':>7s}")
    started = time.perf_counter()
    results = []
    for seed in args.seeds:
        result = sheet_run(seed, args.epochs)
        results.append(result)
        out(
            f"{seed:4d}  {result['summed']:9.3f}  {result['summed'] / 4:8.2f}  "
            f"{result['truth_summed']:8.2f}  {result['true']:9.2f}  {result['seconds']:7.1f}"
        )
    summed = [result["summed"] for result in results]
    out()
    out(
        f"the sheet's loss after {args.epochs} epochs: {min(summed):.1f} to {max(summed):.1f}, "
        f"median {statistics.median(summed):.1f} over {len(summed)} seeds (the sheet's own run: 415.121)"
    )
    out()
    out(f"== the summed loss every {PRINT_EVERY} epochs, by seed (the sheet's printout)")
    out("epoch  " + "".join(f"{result['seed']:>9d}" for result in results))
    for epoch in results[0]["printed"]:
        out(f"{epoch:5d}  " + "".join(f"{result['printed'][epoch]:9.1f}" for result in results))
    out()
    out(f"total time: {time.perf_counter() - started:.0f} s; {report.load_average('at the end')}")


if __name__ == "__main__":
    main()
