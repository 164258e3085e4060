"""Lesson 04, section 14: how often the full-batch recipes reach the true function, over many seeds.

    python measurements/seed_sweep.py            # the full sweep, writes results/seed_sweep.txt
    python measurements/seed_sweep.py --quick    # fewer seeds, writes results/seed_sweep-quick.txt

Measures, with the notebook's ``train_seeds`` (all seeds of a run trained at once with torch.func,
in float64, 1,800 epochs, Adam at 1e-2, cosine decay):

1. the fast recipe (x and y scaled, betas (0.3, 0.99)) from seeds 0 to 527: how many reach an MSE
   of at most 25 against the true function;
2. x and y scaled, the default betas (0.9, 0.999) against betas (0.3, 0.99), on seeds 1000 to 1191;
3. the plain recipe (raw x and y, default betas) on seeds 0 to 11, and its failures trained again
   for 6,000 epochs instead of 1,800 (cosine decay over the 6,000); then, for a larger sample, the
   plain recipe at both lengths on seeds 1000 to 1191;
4. whether a model's result depends on how many others train beside it: seed 5 alone and among
   seeds 0 to 11, in float64 (as the notebook trains) and in float32.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import recipes
import report
import torch

GOOD = recipes.GOOD_FIT
PLAIN_BETAS, SMALL_BETAS = (0.9, 0.999), (0.3, 0.99)
FULL_RUN = {
    "fast_seeds": 528,
    "betas_first": 1000,
    "betas_count": 192,
    "plain_seeds": 12,
    "plain_more_count": 192,
    "epochs": recipes.FAST_EPOCHS,
    "long_epochs": 6000,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--fast-seeds", type=int, help="fast recipe on seeds 0 to N-1 (528)")
    add("--betas-first", type=int, help="first seed of the betas comparison (1000)")
    add("--betas-count", type=int, help="seeds in the betas comparison (192)")
    add("--plain-seeds", type=int, help="plain recipe on seeds 0 to N-1 (12)")
    add("--plain-more-count", type=int, help="plain recipe at both lengths on the betas seeds' first N (192)")
    add("--epochs", type=int, help="epochs of every run (1800)")
    add("--long-epochs", type=int, help="the plain recipe's longer run (6000)")
    add("--quick", action="store_true", help="a quick check: 48 fast seeds, 24 betas seeds, 24 more plain")
    add("--threads", type=int, default=1, help="torch threads (1: see the README)")
    add("--out", help="results file (default: results/seed_sweep.txt, or seed_sweep-quick.txt)")
    args = parser.parse_args()
    quick = {"fast_seeds": 48, "betas_count": 24, "plain_more_count": 24} if args.quick else {}
    for name, value in FULL_RUN.items():
        if getattr(args, name) is None:
            setattr(args, name, quick.get(name, value))
    if args.out is None:
        full = all(getattr(args, name) == value for name, value in FULL_RUN.items())
        args.out = report.RESULTS / ("seed_sweep.txt" if full else "seed_sweep-quick.txt")
    return args


def share(count: int, total: int) -> str:
    return f"{count} of {total} seeds ({100 * count / total:.1f} %)"


def seeds_text(seeds) -> str:
    return ", ".join(str(seed) for seed in seeds) or "none"


def near_threshold(seeds, true_mses, width=0.5) -> str:
    """The seeds within ``width`` of the threshold: a last-digit change elsewhere may move them across."""
    near = [
        f"{seed} ({mse:.4f})"
        for seed, mse in zip(seeds, true_mses.tolist(), strict=True)
        if abs(mse - GOOD) < width
    ]
    return f"within {width:g} of {GOOD:g}: {', '.join(near) or 'none'}"


def fast_sweep(out, data, args) -> None:
    seeds = list(range(args.fast_seeds))
    out(f"== 1. fast recipe (x, y scaled, betas {SMALL_BETAS}, {args.epochs} epochs), seeds 0 to {seeds[-1]}")
    started = time.perf_counter()
    fast = recipes.train_seeds(
        recipes.scaled_model_maker(data),
        seeds,
        data,
        betas=SMALL_BETAS,
        loss_scale=data.loss_scale,
        epochs=args.epochs,
    )
    seconds = time.perf_counter() - started
    failed = [seed for seed, mse in zip(seeds, fast.true.tolist(), strict=True) if mse > GOOD]
    out(f"MSE against the true function at most {GOOD:g}: {share(len(seeds) - len(failed), len(seeds))}")
    out(f"more than {GOOD:g}: {share(len(failed), len(seeds))}")
    quartiles = fast.true.quantile(torch.tensor([0.25, 0.5, 0.75], dtype=fast.true.dtype)).tolist()
    out("MSE against the true function: quartiles {:.2f}, {:.2f} (median), {:.2f}".format(*quartiles))
    out(f"failing seeds: {seeds_text(failed)}")
    for seed in failed:
        train, true = fast.train[seed].item(), fast.true[seed].item()
        out(f"  seed {seed:4d}: training MSE {train:8.2f}, against the truth {true:9.4f}")
    out(near_threshold(seeds, fast.true))
    out(f"time: {seconds:.1f} s for {len(seeds)} seeds at once")


def betas_comparison(out, data, args) -> None:
    seeds = list(range(args.betas_first, args.betas_first + args.betas_count))
    out(f"== 2. x and y scaled, default betas against betas {SMALL_BETAS}, seeds {seeds[0]} to {seeds[-1]}")
    reached, near = {}, []
    for betas in (PLAIN_BETAS, SMALL_BETAS):
        started = time.perf_counter()
        result = recipes.train_seeds(
            recipes.scaled_model_maker(data),
            seeds,
            data,
            betas=betas,
            loss_scale=data.loss_scale,
            epochs=args.epochs,
        )
        seconds = time.perf_counter() - started
        reached[betas] = result.true <= GOOD
        near.append(f"  betas {betas!s:12s}: {near_threshold(seeds, result.true)}")
        out(
            f"betas {betas!s:12s}: at most {GOOD:g} from {share(int(reached[betas].sum()), len(seeds))}, "
            f"median MSE against the truth {result.true.median():.2f} ({seconds:.1f} s)"
        )
    for line in near:
        out(line)
    default, small = reached[PLAIN_BETAS], reached[SMALL_BETAS]
    out(f"seeds that reach it with {SMALL_BETAS} only: {int((small & ~default).sum())}")
    out(f"seeds that reach it with the default betas only: {int((default & ~small).sum())}")


def plain_longer(out, data, args) -> None:
    seeds = list(range(args.plain_seeds))
    out(f"== 3. plain recipe (raw x and y, default betas), seeds 0 to {seeds[-1]}")
    started = time.perf_counter()
    plain = recipes.train_seeds(recipes.plain_model, seeds, data, betas=PLAIN_BETAS, epochs=args.epochs)
    failed = [seed for seed, mse in zip(seeds, plain.true.tolist(), strict=True) if mse > GOOD]
    out(f"{args.epochs} epochs: at most {GOOD:g} from {share(len(seeds) - len(failed), len(seeds))}")
    out(f"failing seeds: {seeds_text(failed)}")
    if failed:
        longer = recipes.train_seeds(
            recipes.plain_model, failed, data, betas=PLAIN_BETAS, epochs=args.long_epochs
        )
        out(f"the failing seeds again, {args.long_epochs} epochs (cosine decay over {args.long_epochs}):")
        out(f"            {args.epochs:5d} epochs         {args.long_epochs:5d} epochs")
        out("seed   training  vs truth   training  vs truth")
        for index, seed in enumerate(failed):
            out(
                f"{seed:4d}  {plain.train[seed]:9.1f} {plain.true[seed]:9.1f}  "
                f"{longer.train[index]:9.1f} {longer.true[index]:9.1f}"
            )
        rescued = [seed for seed, mse in zip(failed, longer.true.tolist(), strict=True) if mse <= GOOD]
        out(f"rescued (at most {GOOD:g} after {args.long_epochs} epochs): {len(rescued)} of {len(failed)}")
        out(f"rescued seeds: {seeds_text(rescued)}")
    out(f"time: {time.perf_counter() - started:.1f} s")
    if not args.plain_more_count:
        return
    seeds = list(range(args.betas_first, args.betas_first + args.plain_more_count))
    out()
    out(f"== 3b. plain recipe at both lengths, seeds {seeds[0]} to {seeds[-1]}")
    started = time.perf_counter()
    short, long = (
        recipes.train_seeds(recipes.plain_model, seeds, data, betas=PLAIN_BETAS, epochs=epochs)
        for epochs in (args.epochs, args.long_epochs)
    )
    short_ok, long_ok = short.true <= GOOD, long.true <= GOOD
    for epochs, ok, result in ((args.epochs, short_ok, short), (args.long_epochs, long_ok, long)):
        out(
            f"{epochs:5d} epochs: at most {GOOD:g} from {share(int(ok.sum()), len(seeds))}, "
            f"median MSE against the truth {result.true.median():.2f}"
        )
    out(
        f"failures at {args.epochs} epochs that reach it at {args.long_epochs}: "
        f"{int((long_ok & ~short_ok).sum())} of {int((~short_ok).sum())}"
    )
    out(f"good fits at {args.epochs} epochs lost at {args.long_epochs}: {int((short_ok & ~long_ok).sum())}")
    out(f"time: {time.perf_counter() - started:.1f} s")


def batching_check(out, data, args) -> None:
    seeds = list(range(12))
    out("== 4. seed 5 trained alone and among seeds 0 to 11 (same recipe, same start)")
    recipes_to_check = (
        ("plain", recipes.plain_model, PLAIN_BETAS, 1.0),
        ("fast", recipes.scaled_model_maker(data), SMALL_BETAS, data.loss_scale),
    )
    for name, make_model, betas, scale in recipes_to_check:
        for dtype in (torch.float64, torch.float32):
            alone, among = (
                recipes.train_seeds(
                    make_model,
                    group,
                    data,
                    betas=betas,
                    loss_scale=scale,
                    epochs=args.epochs,
                    dtype=dtype,
                    keep_params=True,
                )
                for group in ([5], seeds)
            )
            gap = max(
                (alone.params[key][0] - among.params[key][5]).abs().max().item() for key in alone.params
            )
            mse_alone, mse_among = alone.true[0].item(), among.true[5].item()
            out(
                f"{name:5s} recipe, {str(dtype).removeprefix('torch.'):7s}: MSE against the truth alone "
                f"{mse_alone:.10f}, among 12 {mse_among:.10f}, difference {abs(mse_alone - mse_among):.1e}; "
                f"largest parameter difference {gap:.1e}"
            )


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    out = report.Output(Path(args.out))
    out(report.header(report.command_line()))
    data = recipes.load_data()
    started = time.perf_counter()
    for part in (fast_sweep, betas_comparison, plain_longer, batching_check):
        out()
        part(out, data, args)
    out()
    out(f"total time: {time.perf_counter() - started:.0f} s; {report.load_average('at the end')}")


if __name__ == "__main__":
    main()
