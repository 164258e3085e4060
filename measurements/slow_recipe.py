"""Lesson 04: the slow recipe (Sheet 2.3's) for its full 50,000 epochs, seed by seed, and its time.

    python measurements/slow_recipe.py                 # seeds 0 to 11, writes results/slow_recipe.txt
    python measurements/slow_recipe.py --quick         # seeds 0 and 1, 2,000 epochs, a quick check
    python measurements/slow_recipe.py --jobs 2        # two seeds at a time, in two processes

For every seed: ``torch.manual_seed(seed)``, ``make_mlp()``, then the notebook's ``train_with_loader``
(mini-batches of 25 shuffled by a generator seeded with 0, Adam at 1e-4, float32) for 50,000 epochs.
It reports the wall time of that training call alone (``time.perf_counter()`` around it, as section
13 times its recipes; model building and scoring excluded), in a process that uses one torch thread;
the MSE against the true function and on the training data; and the worksheet's own loss, the sum
of the 4 mini-batches' mean losses of an epoch, at every 2,500th epoch (where the sheet prints it)
and after the last. From the same seed it also times the fast recipe (1,800 full-batch epochs,
float32, one model) the same way, for the ratio of the two times.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import statistics
import time
from pathlib import Path

import recipes
import report
import torch

import course_utils as cu

PRINT_EVERY = 2500  # the worksheet prints its summed loss every 2,500 epochs
FULL_RUN = {"seeds": list(range(12)), "epochs": recipes.SLOW_EPOCHS, "fast_epochs": recipes.FAST_EPOCHS}


def seed_list(text: str) -> list[int]:
    """'0-11' or '0,1,5' or '3' -> a list of seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds.extend(range(int(first), int(last or first) + 1))
    return seeds


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--seeds", type=seed_list, help="seeds, e.g. 0-11 or 0,1,5 (0-11)")
    add("--epochs", type=int, help="epochs of the slow recipe (50000)")
    add("--fast-epochs", type=int, help="epochs of the fast recipe that is timed beside it (1800)")
    add("--jobs", type=int, default=1, help="seeds trained at a time, each in its own process (1)")
    add("--quick", action="store_true", help="a quick check: seeds 0 and 1, 2,000 epochs")
    add("--out", help="results file (default: results/slow_recipe.txt, or slow_recipe-quick.txt)")
    args = parser.parse_args()
    quick = {"seeds": [0, 1], "epochs": 2000} if args.quick else {}
    for name, value in FULL_RUN.items():
        if getattr(args, name) is None:
            setattr(args, name, quick.get(name, value))
    if args.out is None:
        full = all(getattr(args, name) == value for name, value in FULL_RUN.items())
        args.out = report.RESULTS / ("slow_recipe.txt" if full else "slow_recipe-quick.txt")
    return args


def one_thread() -> None:
    torch.set_num_threads(1)


def run_seed(seed: int, epochs: int, fast_epochs: int) -> dict:
    """Train the slow and the fast recipe from ``seed``; their times and results."""
    data = recipes.load_data()
    torch.manual_seed(seed)
    model = recipes.make_mlp()
    started, cpu_started = time.perf_counter(), time.process_time()
    history = recipes.train_with_loader(model, epochs, data)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started

    torch.manual_seed(seed)
    fast_model = recipes.make_scaled_mlp(data.x_obs, data.y_obs)
    started = time.perf_counter()
    recipes.train_fast_recipe(fast_model, fast_epochs, data)
    fast_seconds = time.perf_counter() - started
    return {
        "seed": seed,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "true": recipes.true_mse(model, data),
        "train": recipes.train_mse(model, data),
        "summed": history.summed[-1],
        "mean": history.mean[-1],
        "printed": {
            epoch: history.summed[epoch - 1] for epoch in range(PRINT_EVERY, epochs + 1, PRINT_EVERY)
        },
        "fast_seconds": fast_seconds,
        "fast_true": recipes.true_mse(fast_model, data),
    }


def seed_line(result: dict) -> str:
    return (
        f"{result['seed']:4d}  {result['seconds']:7.1f}  {result['cpu_seconds']:7.1f}  "
        f"{result['true']:10.4f}  {result['train']:9.4f}  {result['summed']:10.3f}  "
        f"{result['fast_seconds']:6.2f}  {result['fast_true']:10.4f}"
    )


def run_all(args, out) -> list[dict]:
    out(
        "slow s, fast s: each recipe's training time (wall clock); cpu s: the slow recipe's CPU time;\n"
        "vs truth: MSE against the true function; training: the slow recipe's MSE on the 100 points;\n"
        "summed: the worksheet's loss in the last epoch"
    )
    out(
        f"{'seed':>4s}  {'slow s':>7s}  {'cpu s':>7s}  {'vs truth':>10s}  {'training':>9s}  {'summed':>10s}  "
        f"{'fast s':>6s}  {'vs truth':>10s}"
    )
    results = []
    if args.jobs == 1:
        one_thread()
        for seed in args.seeds:
            results.append(run_seed(seed, args.epochs, args.fast_epochs))
            out(seed_line(results[-1]))
        return results
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(
        args.jobs, mp_context=context, initializer=one_thread
    ) as pool:
        futures = [pool.submit(run_seed, seed, args.epochs, args.fast_epochs) for seed in args.seeds]
        for future in concurrent.futures.as_completed(futures):
            results.append(future.result())
            out(seed_line(results[-1]))
    return sorted(results, key=lambda result: result["seed"])


def summarise(results: list[dict], args, out) -> None:
    data = recipes.load_data()
    good = recipes.GOOD_FIT
    seconds = [result["seconds"] for result in results]
    fast_seconds = [result["fast_seconds"] for result in results]
    summed = [result["summed"] for result in results]
    median_seconds = statistics.median(seconds)
    cpu_seconds = [result["cpu_seconds"] for result in results]
    reached = [result["seed"] for result in results if result["true"] <= good]
    out()
    out(f"== summary: the slow recipe, {args.epochs} epochs of 4 mini-batches, Adam at 1e-4")
    out(
        f"wall time per seed: {min(seconds):.1f} to {max(seconds):.1f} s, median {median_seconds:.1f} s "
        f"({1000 * median_seconds / args.epochs:.2f} ms an epoch)"
    )
    out(
        f"CPU time per seed: {min(cpu_seconds):.1f} to {max(cpu_seconds):.1f} s, "
        f"median {statistics.median(cpu_seconds):.1f} s"
    )
    out(f"MSE against the true function at most {good:g}: {len(reached)} of {len(results)} seeds")
    out(f"  those seeds: {', '.join(map(str, reached)) or 'none'}")
    for result in results:
        if result["seed"] == 1:
            out(f"from seed 1: MSE against the true function {result['true']:.4f}")
    truth_summed = 4 * (data.y_obs - cu.cubic_wave(data.x_obs)).pow(2).mean().item()
    out(
        f"the worksheet's loss after the last epoch (the sum of the 4 batches' mean losses): "
        f"{min(summed):.1f} to {max(summed):.1f}, median {statistics.median(summed):.1f} "
        f"({statistics.median(summed) / 4:.1f} a batch); the true function itself scores {truth_summed:.1f} "
        f"on these 100 points"
    )
    out(
        f"the fast recipe ({args.fast_epochs} epochs), timed the same way: {min(fast_seconds):.2f} to "
        f"{max(fast_seconds):.2f} s, median {statistics.median(fast_seconds):.2f} s "
        f"({1000 * statistics.median(fast_seconds) / args.fast_epochs:.2f} ms an epoch)"
    )
    out(
        f"slow / fast: {statistics.median(seconds) / statistics.median(fast_seconds):.0f} times "
        f"(median over median); epochs in one second: slow {args.epochs / statistics.median(seconds):.0f}, "
        f"fast {args.fast_epochs / statistics.median(fast_seconds):.0f}"
    )
    out()
    out(f"== the worksheet's loss (summed over the 4 mini-batches) every {PRINT_EVERY} epochs, by seed")
    out("epoch  " + "".join(f"{result['seed']:>9d}" for result in results))
    for epoch in results[0]["printed"]:
        out(f"{epoch:5d}  " + "".join(f"{result['printed'][epoch]:9.1f}" for result in results))


def main() -> None:
    args = parse_args()
    if args.jobs == 1:
        one_thread()
    out = report.Output(Path(args.out))
    out(report.header(report.command_line()))
    out(f"seeds: {', '.join(map(str, args.seeds))}; {args.jobs} process(es) at a time, one torch thread each")
    out()
    started = time.perf_counter()
    results = run_all(args, out)
    summarise(results, args, out)
    out()
    out(f"total time: {time.perf_counter() - started:.0f} s; {report.load_average('at the end')}")


if __name__ == "__main__":
    main()
