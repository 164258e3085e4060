"""Choosing the device (CUDA, Apple MPS or CPU) at run time."""

from __future__ import annotations

import os

import torch

#: The environment variable that forces a device, e.g. ``COURSE_DEVICE=cpu``.
DEVICE_ENV_VAR = "COURSE_DEVICE"

_KINDS = ("cuda", "mps", "cpu")


def _available(kind: str) -> bool:
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return torch.backends.mps.is_available()
    return True


def get_device(name: str | None = None) -> torch.device:
    """Return the device the course runs on.

    Without a ``name``, the ``COURSE_DEVICE`` environment variable decides if it is
    set; otherwise the first available of CUDA, Apple MPS and CPU is used.

    Args:
        name: ``"cuda"``, ``"cuda:1"``, ``"mps"``, ``"cpu"`` or ``None`` (choose).

    Returns:
        A ``torch.device``, e.g. ``device(type='cpu')``.

    Raises:
        ValueError: ``name`` (or the environment variable) is not a device kind.
        RuntimeError: the device asked for is not available on this machine.

    Example:
        >>> get_device("cpu")
        device(type='cpu')
        >>> get_device().type in {"cuda", "mps", "cpu"}
        True
    """
    source = "name"
    if name is None and os.environ.get(DEVICE_ENV_VAR):
        name, source = os.environ[DEVICE_ENV_VAR], DEVICE_ENV_VAR
    if name is None:
        return torch.device(next(kind for kind in _KINDS if _available(kind)))
    if not isinstance(name, str):
        raise TypeError(f"get_device: name must be a str or None, got {type(name).__name__}")
    kind = name.strip().lower().split(":")[0]
    if kind not in _KINDS:
        raise ValueError(f"get_device: {source}={name!r} is not a device; use one of 'cuda', 'mps', 'cpu'")
    if not _available(kind):
        raise RuntimeError(
            f"get_device: {source}={name!r} asks for {kind}, which is not available on this "
            f"machine; use 'cpu' or unset {DEVICE_ENV_VAR}"
        )
    device = torch.device(name.strip().lower())
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise RuntimeError(
            f"get_device: {source}={name!r} but this machine has "
            f"{torch.cuda.device_count()} CUDA device(s); use 'cuda' or 'cuda:0'"
        )
    return device
