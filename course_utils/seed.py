"""Seeding every random number generator a lesson uses, in one call."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int, *, deterministic: bool = False) -> torch.Generator:
    """Seed Python's ``random``, NumPy and torch (CPU and CUDA) with ``seed``.

    Pass the returned generator to every random draw of a lesson
    (``torch.rand(3, generator=generator)``) so that the data does not depend on
    what ran before. Draw on this CPU generator and then move the result to the
    device: CPU and CUDA runs then see the same numbers.

    Args:
        seed: a whole number from 0 to 2**63 - 1.
        deterministic: also make torch choose deterministic algorithms (slower on
            CUDA; an operation without a deterministic version then raises an error).

    Returns:
        A CPU ``torch.Generator`` seeded with ``seed``.

    Raises:
        TypeError: ``seed`` is not an int.
        ValueError: ``seed`` is negative or too large.

    Example:
        >>> generator = seed_everything(0)
        >>> torch.rand(2, generator=generator)
        tensor([0.4963, 0.7682])
        >>> _ = seed_everything(0, deterministic=True)
        >>> torch.are_deterministic_algorithms_enabled()
        True
        >>> _ = seed_everything(0)  # back to the default
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed_everything: seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**63:
        raise ValueError(f"seed_everything: seed must be in [0, 2**63), got {seed}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds the CUDA generators too
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(deterministic)
    return torch.Generator().manual_seed(seed)
