"""Checks for the exercises of notebook 06 (padding, packing and GRU models)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from course_utils.check import Verdict, call, check_close, check_equal, verdict

#: The bidirectional GRU of exercise 3 and the batch it reads.
BIDIRECTIONAL = {"input_size": 3, "hidden_size": 5, "num_layers": 2, "batch": 6}


def _closest(result: Any, candidates: dict[str, torch.Tensor]) -> str | None:
    """The hint of the first wrong answer that ``result`` reproduces, if any."""
    if not isinstance(result, torch.Tensor):
        return None
    got = result.detach().cpu().double()
    for hint, wrong in candidates.items():
        if got.shape == wrong.shape and torch.allclose(got, wrong.double(), atol=1e-6):
            return hint
    return None


def masked_max(function: Any) -> Verdict:
    """Exercise 1: the maximum of each feature over the valid steps only.

    ``function(outputs, lengths)`` takes ``outputs`` of shape (batch, time, hidden)
    with zeros in the padding and ``lengths`` of shape (batch,), and returns a
    tensor of shape (batch, hidden). In the test batch every valid value is
    negative, so a padded zero must not win.

    Example:
        >>> def right(outputs, lengths):
        ...     padding = torch.arange(outputs.shape[1]) >= lengths[:, None]
        ...     return outputs.masked_fill(padding[..., None], float("-inf")).amax(dim=1)
        >>> masked_max(right)
        ✅ masked max pooling: correct
        True
    """
    name = "masked max pooling"
    generator = torch.Generator().manual_seed(6)
    lengths = torch.tensor([4, 1, 6, 3])
    outputs = -torch.rand(4, 6, 3, generator=generator, dtype=torch.float64) - 0.1
    padding = torch.arange(6) >= lengths[:, None]  # (batch, time)
    outputs = outputs.masked_fill(padding[..., None], 0.0)  # zeros in the padding, as usual
    done, result = call(function, outputs.clone(), lengths.clone(), name="masked_max")
    if not done:
        return verdict(name, None)
    expected = outputs.masked_fill(padding[..., None], float("-inf")).amax(dim=1)
    hint = _closest(
        result,
        {
            "the padding took part: its zeros beat the valid values, which are all negative here; "
            "fill the padded steps with float('-inf') (masked_fill) before taking the max": outputs.amax(
                dim=1
            ),
        },
    ) or (
        "build a (batch, time) mask of the valid steps, fill the padded steps with "
        "float('-inf'), then take .amax(dim=1): the result has shape (batch, hidden)"
    )
    return check_close(name, result, expected, hint=hint)


def last_valid_outputs(function: Any) -> Verdict:
    """Exercise 2: each sequence's output at its last valid step, picked with ``gather``.

    ``function(outputs, lengths)`` takes ``outputs`` of shape (batch, time, hidden)
    and ``lengths`` of shape (batch,) and returns a tensor of shape (batch, hidden).

    Example:
        >>> def right(outputs, lengths):
        ...     index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, outputs.shape[2])
        ...     return outputs.gather(1, index).squeeze(1)
        >>> last_valid_outputs(right)
        ✅ last valid outputs: correct
        True
    """
    name = "last valid outputs"
    generator = torch.Generator().manual_seed(7)
    outputs = torch.randn(5, 7, 4, generator=generator, dtype=torch.float64)  # (batch, time, hidden)
    lengths = torch.tensor([7, 2, 5, 1, 6])
    done, result = call(function, outputs.clone(), lengths.clone(), name="last_valid_outputs")
    if not done:
        return verdict(name, None)
    rows = torch.arange(len(lengths))
    expected = outputs[rows, lengths - 1]
    off_by_one = "off by one: the last valid step of a sequence of length L has index L - 1, not L"
    if isinstance(result, str) and "out of bounds" in result:
        return check_close(name, result, expected, hint=off_by_one)
    hint = _closest(
        result,
        {
            (
                "that is the last padded step, outputs[:, -1], which is padding for every sequence "
                "shorter than the batch: use lengths - 1"
            ): outputs[:, -1],
            (
                "that is the first step of every sequence; the index must be lengths - 1 for each "
                "sequence, repeated along the hidden dimension"
            ): outputs[:, 0],
            off_by_one: outputs[rows, lengths.clamp(max=outputs.shape[1] - 1)],
        },
    ) or (
        "make an index of shape (batch, 1, hidden) holding lengths - 1, gather along dim=1, "
        "then squeeze(1): the result has shape (batch, hidden)"
    )
    return check_close(name, result, expected, hint=hint)


def bidirectional_h_n_shape(answer: Any) -> Verdict:
    """Exercise 3a: the shape of ``h_n`` for the bidirectional GRU of :data:`BIDIRECTIONAL`.

    Example:
        >>> bidirectional_h_n_shape((4, 6, 5))
        ✅ shape of h_n: correct
        True
    """
    spec = BIDIRECTIONAL
    expected = (2 * spec["num_layers"], spec["batch"], spec["hidden_size"])

    def as_tuple(value: Any) -> tuple[int, ...]:
        return tuple(int(size) for size in value)

    return check_equal(
        "shape of h_n",
        answer,
        expected,
        normalize=as_tuple,
        hint=(
            "h_n holds one final state per layer and per direction, stacked first: "
            "(num_layers * 2, batch, hidden_size), even with batch_first=True"
        ),
    )


def bidirectional_final_states(function: Any) -> Verdict:
    """Exercise 3b: the last layer's final forward and backward states, from packed input.

    ``function(gru, padded, lengths)`` takes a bidirectional ``nn.GRU`` with
    ``batch_first=True``, a padded batch (batch, time, features) and ``lengths``,
    and returns a tensor of shape (batch, 2 * hidden): the forward state after
    each sequence's last valid step, then the backward state after it has read
    the sequence back to its first step.

    Example:
        >>> def right(gru, padded, lengths):
        ...     packed = pack_padded_sequence(padded, lengths, batch_first=True,
        ...                                   enforce_sorted=False)
        ...     _, h_n = gru(packed)
        ...     return torch.cat([h_n[-2], h_n[-1]], dim=1)
        >>> bidirectional_final_states(right)
        ✅ final states of a bidirectional GRU: correct
        True
    """
    name = "final states of a bidirectional GRU"
    spec = BIDIRECTIONAL
    generator = torch.Generator().manual_seed(8)
    gru = nn.GRU(
        spec["input_size"],
        spec["hidden_size"],
        spec["num_layers"],
        batch_first=True,
        bidirectional=True,
        dtype=torch.float64,
    )
    with torch.no_grad():
        for parameter in gru.parameters():
            parameter.copy_(0.5 * torch.randn(parameter.shape, generator=generator, dtype=torch.float64))
    lengths = torch.tensor([5, 2, 8, 1, 8, 4])
    padded = torch.randn(spec["batch"], 8, spec["input_size"], generator=generator, dtype=torch.float64)
    padded = padded * (torch.arange(8) < lengths[:, None])[..., None]  # zeros in the padding
    done, result = call(function, gru, padded.clone(), lengths.clone(), name="final_states")
    if not done:
        return verdict(name, None)
    hidden = spec["hidden_size"]
    with torch.no_grad():
        alone = [gru(padded[i : i + 1, :length])[0][0] for i, length in enumerate(lengths)]
        expected = torch.stack([torch.cat([out[-1, :hidden], out[0, hidden:]]) for out in alone])
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        h_packed = gru(packed)[1]
        out_padded, h_padded = gru(padded)
    hint = _closest(
        result,
        {
            (
                "these are the first layer's states: h_n is ordered layer by layer, forward before "
                "backward, so the last layer's are h_n[-2] (forward) and h_n[-1] (backward)"
            ): torch.cat([h_packed[0], h_packed[1]], dim=1),
            (
                "forward and backward are swapped: h_n[-2] is the forward direction, h_n[-1] the backward one"
            ): torch.cat([h_packed[-1], h_packed[-2]], dim=1),
            (
                "without packing, the forward direction runs on through the padding and the backward "
                "one starts in it: pack the batch (enforce_sorted=False) before the GRU"
            ): torch.cat([h_padded[-2], h_padded[-1]], dim=1),
            (
                "the last padded step of the output is padding for the short sequences, and its "
                "backward half has seen only that one step: read the final states from h_n of a "
                "packed run"
            ): out_padded[:, -1],
        },
    ) or (
        "pack the batch with enforce_sorted=False, run the GRU, and concatenate h_n[-2] "
        "and h_n[-1] along dim=1: the result has shape (batch, 2 * hidden)"
    )
    return check_close(name, result, expected, atol=1e-8, hint=hint)
