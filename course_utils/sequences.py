"""Sequence lengths in the one form ``pack_padded_sequence`` accepts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

LengthsLike = torch.Tensor | np.ndarray | Sequence[int]


def as_lengths(
    lengths: LengthsLike,
    *,
    batch_size: int | None = None,
    max_length: int | None = None,
) -> torch.Tensor:
    """Return ``lengths`` as the 1-D CPU ``int64`` tensor that packing needs.

    ``torch.nn.utils.rnn.pack_padded_sequence`` reads the lengths on the host to
    plan its work, so it refuses a tensor on a GPU even when the data is there.
    This function accepts a list, a tuple, a NumPy array or a tensor on any
    device, and checks the values on the way.

    Args:
        lengths: the number of valid steps of each sequence in the batch.
        batch_size: if given, the number of sequences ``lengths`` must describe
            (the batch dimension of the padded data).
        max_length: if given, the time dimension of the padded data; no length
            may exceed it.

    Returns:
        A tensor of shape ``(batch,)``, dtype ``torch.int64``, on the CPU.

    Raises:
        TypeError: ``lengths`` is not a sequence of whole numbers.
        ValueError: ``lengths`` is not 1-D, is empty, holds a length below 1, or
            does not fit ``batch_size`` or ``max_length``.

    Example:
        >>> as_lengths([3, 2, 1])
        tensor([3, 2, 1])
        >>> as_lengths(torch.tensor([4, 7], dtype=torch.int32)).dtype
        torch.int64
        >>> as_lengths(np.array([5, 2]), batch_size=2, max_length=5).device
        device(type='cpu')
        >>> as_lengths([3, 0])
        Traceback (most recent call last):
        ...
        ValueError: as_lengths: every length must be at least 1, but lengths[1] is 0; drop empty sequences from the batch before packing
    """  # noqa: E501 (a printed error)
    tensor = _to_tensor(lengths)
    if tensor.ndim != 1:
        raise ValueError(
            f"as_lengths: lengths must be 1-D (one length per sequence), got shape {tuple(tensor.shape)}"
        )
    if tensor.numel() == 0:
        raise ValueError("as_lengths: lengths is empty; a batch needs at least one sequence")
    if tensor.dtype == torch.bool or tensor.is_floating_point() or tensor.is_complex():
        raise TypeError(
            f"as_lengths: lengths must hold whole numbers (an integer dtype), got {tensor.dtype}; "
            f"if they are counts, convert them with .long()"
        )
    tensor = tensor.to(device="cpu", dtype=torch.int64)
    smallest = int(tensor.argmin())
    if tensor[smallest] < 1:
        raise ValueError(
            f"as_lengths: every length must be at least 1, but lengths[{smallest}] is "
            f"{int(tensor[smallest])}; drop empty sequences from the batch before packing"
        )
    if batch_size is not None and len(tensor) != batch_size:
        raise ValueError(
            f"as_lengths: got {len(tensor)} lengths for a batch of {batch_size} sequences; "
            f"give one length per sequence"
        )
    largest = int(tensor.argmax())
    if max_length is not None and tensor[largest] > max_length:
        raise ValueError(
            f"as_lengths: lengths[{largest}] is {int(tensor[largest])}, longer than the padded "
            f"data's {max_length} time steps; check batch_first and the padding"
        )
    return tensor


def _to_tensor(lengths: Any) -> torch.Tensor:
    if isinstance(lengths, torch.Tensor):
        return lengths.detach()
    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, (Sequence, np.ndarray)):
        raise TypeError(
            f"as_lengths: lengths must be a tensor, a NumPy array, a list or a tuple of whole "
            f"numbers, got {type(lengths).__name__}"
        )
    try:
        return torch.as_tensor(np.asarray(lengths))
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"as_lengths: lengths must hold whole numbers, got {lengths!r} ({error})") from None
