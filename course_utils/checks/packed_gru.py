"""Checks for the exercises of notebook 06 (padding, packing and GRU models).

Each check computes the right answer itself and compares the learner's with it; a wrong answer
gets what is wrong and a hint, never the right values.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.checks.core import (
    LearnerError,
    NotAttempted,
    Wrong,
    callable_answer,
    check,
    compare,
    how_many_wrong,
    observe,
    probe,
    run,
    whole,
)

#: The lengths of the sequences in the question on ``batch_sizes`` (section 2).
QUESTION_LENGTHS = (4, 4, 2, 1)
#: The bidirectional GRU of exercise 3 and the batch it reads.
BIDIRECTIONAL = {"input_size": 3, "hidden_size": 5, "num_layers": 2, "batch": 6}


def _same(result: Any, wrong: torch.Tensor) -> bool:
    """Whether ``result`` is (numerically) the tensor ``wrong``: a known mistake, recognised."""
    if not isinstance(result, torch.Tensor) or result.shape != wrong.shape:
        return False
    return torch.allclose(result.detach().cpu().double(), wrong.double(), atol=1e-6)


def _whole_numbers(answer: Any, name: str, example: str) -> list[Any]:
    """``answer`` as a list of ints; ``...`` items stay.

    ``answer`` is a list, tuple, ``torch.Size``, or 1-D NumPy array or tensor; its items may be
    Python, NumPy or torch integers, or whole floats.
    """
    if isinstance(answer, (np.ndarray, torch.Tensor)) and answer.ndim == 1:
        answer = list(answer)
    if not isinstance(answer, (list, tuple)):
        raise Wrong(f"{name} should be a list or tuple of whole numbers, like {example}; yours is {answer!r}")
    numbers: list[Any] = []
    for item in answer:
        number = ... if item is ... else whole(item)
        if number is None:
            raise Wrong(f"{name} should hold whole numbers, like {example}; {item!r} is not one")
        numbers.append(number)
    still_open = sum(item is ... for item in numbers)
    if numbers and still_open == len(numbers):
        raise NotAttempted
    if still_open:
        verb = "is" if still_open == 1 else "are"
        raise Wrong(f"{still_open} of the {len(numbers)} entries of {name} {verb} still `...`")
    return numbers


@check("06.packed_batch_sizes", "batch_sizes of a packed batch", points=1)
def packed_batch_sizes(answer: Any) -> None:
    """Question in section 2: predict the ``batch_sizes`` of a packed batch.

    Sequences of the lengths :data:`QUESTION_LENGTHS` (already in decreasing order) are padded into
    one batch and packed with ``pack_padded_sequence``. ``answer`` is the predicted ``batch_sizes``:
    a list (or tuple, or 1-D tensor) of whole numbers, one per time step.
    """
    lengths = torch.tensor(QUESTION_LENGTHS)
    batch = torch.zeros(len(lengths), int(lengths.max()))  # (batch, time): the values do not matter
    expected = pack_padded_sequence(batch, lengths, batch_first=True).batch_sizes.tolist()
    counts = _whole_numbers(answer, "your batch_sizes", "[3, 1]")
    if counts == expected:
        return
    nudge = "batch_sizes[t] is the number of sequences that still have a value at time step t"
    full = (
        "a sequence of length L has values at steps 0, 1, ..., L - 1: "
        "for each step t, count the lengths greater than t"
    )
    if counts == list(QUESTION_LENGTHS):
        raise Wrong(
            "that is the list of lengths, one number per sequence; batch_sizes has one number per time step",
            nudge,
            full,
        )
    if len(counts) != len(expected):
        raise Wrong(
            f"your batch_sizes has {len(counts)} entries; it needs one per time step, "
            "from step 0 to the last step of the longest sequence",
            nudge,
            full,
        )
    wrong = [step for step, (got, want) in enumerate(zip(counts, expected, strict=True)) if got != want]
    message = how_many_wrong(len(wrong), len(expected), "entries")
    if any(later > earlier for earlier, later in itertools.pairwise(counts)):
        raise Wrong(message, "sequences stop but never start as t grows, so batch_sizes never increases")
    raise Wrong(message, nudge, full)


@check("06.masked_max", "masked max pooling", points=2)
def masked_max(function: Any) -> None:
    """Exercise 1: the maximum of each feature over the valid steps only.

    ``function(outputs, lengths)`` takes ``outputs`` of shape (batch, time, hidden)
    with zeros in the padding and ``lengths`` of shape (batch,), and returns a
    tensor of shape (batch, hidden). In the test batch every valid value is
    negative, so a padded zero must not win.
    """
    generator = torch.Generator().manual_seed(6)
    lengths = torch.tensor([4, 1, 6, 3])
    outputs = -torch.rand(4, 6, 3, generator=generator, dtype=torch.float64) - 0.1  # all negative
    padding = torch.arange(6) >= lengths[:, None]  # (batch, time)
    outputs = outputs.masked_fill(padding[..., None], 0.0)  # zeros in the padding, as usual
    expected = outputs.masked_fill(padding[..., None], float("-inf")).amax(dim=1)  # (batch, hidden)
    result = run(function, outputs.clone(), lengths.clone(), name="masked_max")
    if isinstance(result, tuple):
        raise Wrong(
            "masked_max returned a pair: `max(dim=...)` gives (values, indices)",
            "keep `.values`, or use `amax(dim=...)`, which gives the values alone",
        )
    hints: tuple[str, ...] = (
        "padded steps must not take part in the max: give them a value that can never win",
        "build a (batch, time) mask of the padded steps from lengths, fill those steps with "
        "float('-inf') (masked_fill), then take .amax(dim=1)",
    )
    if _same(result, outputs.amax(dim=1)):
        hints = (
            "padded steps took part: their zeros beat the valid values, which are all negative here; "
            "the steps t >= length are padding: fill them with float('-inf') before the max",
        )
    elif isinstance(result, torch.Tensor) and result.shape == outputs.shape:
        hints = ("the result still has a time dimension: take the max over dim=1",)
    compare("masked_max(outputs, lengths)", result, expected, *hints)


#: How torch says that an index is out of bounds: "index 7 is out of bounds for dimension 1 with
#: size 7" (indexing, gather) or "INDICES element is out of DATA bounds, id=7 axis_dim=7"
#: (index_select); the index and the size of the dimension it was meant for.
_OUT_OF_BOUNDS = (
    re.compile(r"index (-?\d+) is out of bounds for dimension \d+ with size (\d+)"),
    re.compile(r"out of DATA bounds, id=(-?\d+) axis_dim=(\d+)"),
)


def _out_of_bounds_hint(error: str, steps: int, off_by_one: str) -> str | None:
    """The hint for an index out of bounds in exercise 2, or None for any other error.

    The off-by-one hint only when the index went one past the end of the time dimension (size
    ``steps``, which no other dimension of the test batch has); otherwise the index ran along
    another dimension, and the hint is about gathering along time.
    """
    for pattern in _OUT_OF_BOUNDS:
        found = pattern.search(error)
        if found is None:
            continue
        index, size = int(found[1]), int(found[2])
        if size == steps and index == steps:  # index L for the sequence that fills the batch
            return off_by_one
        if size != steps:
            return (
                f"the index ran past the end of a dimension of size {size}, which is not time: "
                "the step numbers lengths - 1 index the time dimension, so gather along dim=1 of "
                "outputs (batch, time, hidden)"
            )
        return "every index into the time dimension must lie between 0 and the number of steps - 1"
    if "out of bounds" in error:
        return "the step numbers lengths - 1 index the time dimension: gather along dim=1"
    return None


@check("06.last_valid_outputs", "last valid outputs", points=2)
def last_valid_outputs(function: Any) -> None:
    """Exercise 2: each sequence's output at its last valid step, picked with ``gather``.

    ``function(outputs, lengths)`` takes ``outputs`` of shape (batch, time, hidden)
    and ``lengths`` of shape (batch,) and returns a tensor of shape (batch, hidden).
    """
    generator = torch.Generator().manual_seed(7)
    outputs = torch.randn(5, 7, 4, generator=generator, dtype=torch.float64)  # (batch, time, hidden)
    lengths = torch.tensor([7, 2, 5, 1, 6])
    rows = torch.arange(len(lengths))
    expected = outputs[rows, lengths - 1]  # (batch, hidden)
    off_by_one = "off by one: the last valid step of a sequence of length L has index L - 1, not L"
    batch, steps, hidden = outputs.shape
    try:
        result = run(function, outputs.clone(), lengths.clone(), name="last_valid_outputs")
    except LearnerError as error:
        hint = _out_of_bounds_hint(str(error), steps, off_by_one)
        if hint is not None:
            raise LearnerError(f"{error}\nhint: {hint}") from None
        raise
    hints: tuple[str, ...] = (
        "the last valid step of a sequence of length L has index L - 1",
        "make an index of shape (batch, 1, hidden) holding lengths - 1, gather along dim=1, then squeeze(1)",
    )
    shape = tuple(result.shape) if isinstance(result, torch.Tensor) else None
    if _same(result, outputs[:, -1]):
        hints = (
            "that is the last step of the padded batch, which is padding for every sequence shorter "
            "than the batch: use lengths - 1",
        )
    elif _same(result, outputs[:, 0]):
        hints = ("that is the first step of every sequence: the index must hold lengths - 1",)
    elif _same(result, outputs[rows, lengths.clamp(max=steps - 1)]):
        hints = (off_by_one,)
    elif shape == (batch, 1):
        hints = (
            "your index has size 1 along the hidden dimension, so gather picked hidden unit 0 only: "
            "expand it to (batch, 1, hidden)",
        )
    elif shape == (batch, 1, hidden):
        hints = ("drop the time dimension of size 1 with squeeze(1)",)
    elif shape == (batch, batch, hidden):
        hints = (
            "outputs[:, lengths - 1] takes every listed step from every sequence; gather pairs each "
            "sequence with its own index",
        )
    compare("last_valid_outputs(outputs, lengths)", result, expected, *hints)


@check("06.bidirectional_h_n_shape", "shape of h_n", points=1)
def bidirectional_h_n_shape(answer: Any) -> None:
    """Exercise 3a: predict the shape of ``h_n`` for the bidirectional GRU of :data:`BIDIRECTIONAL`.

    ``answer`` is a tuple of whole numbers (a ``torch.Size`` or a list also works).
    """
    spec = BIDIRECTIONAL
    layers, batch, hidden = spec["num_layers"], spec["batch"], spec["hidden_size"]
    expected = [2 * layers, batch, hidden]
    sizes = _whole_numbers(answer, "h_n_shape", "(2, 3, 4)")
    if sizes == expected:
        return
    if len(sizes) != len(expected):
        raise Wrong(
            f"h_n_shape has {len(sizes)} entries, but h_n has {len(expected)} dimensions",
            "h_n holds one final hidden state per layer and per direction, stacked into one tensor",
        )
    wrong = [dim for dim in range(len(expected)) if sizes[dim] != expected[dim]]
    message = how_many_wrong(len(wrong), len(expected), "sizes")
    targeted = []
    if sizes[0] == batch and sizes[1] != batch:
        targeted.append("batch_first=True sets the layout of the input and of `output`, not of `h_n`")
    if sizes[2] == 2 * hidden:
        targeted.append(
            "`output` puts the two directions side by side; in `h_n` each direction keeps its own "
            "state of size hidden_size"
        )
    if sizes[0] in (layers, 2) and sizes[1] == batch:
        targeted.append("h_n holds a final state for every layer AND for every direction")
    if targeted:
        raise Wrong(message, "; ".join(targeted))
    raise Wrong(
        message,
        "h_n holds the final hidden state of every layer in every direction",
        "those states, each of shape (batch, hidden_size), are stacked along dimension 0, whatever "
        "batch_first says",
    )


def bidirectional_gru(generator: torch.Generator) -> nn.GRU:
    """The GRU of exercise 3 (:data:`BIDIRECTIONAL`, float64), its weights drawn from ``generator``.

    It is built on the ``meta`` device, which draws nothing, so the global random state is untouched.
    """
    spec = BIDIRECTIONAL
    gru = nn.GRU(
        spec["input_size"],
        spec["hidden_size"],
        spec["num_layers"],
        batch_first=True,
        bidirectional=True,
        dtype=torch.float64,
        device="meta",  # no initialisation: nothing is drawn from the global generator
    ).to_empty(device="cpu")
    with torch.no_grad():
        for parameter in gru.parameters():
            parameter.copy_(0.5 * torch.randn(parameter.shape, generator=generator, dtype=torch.float64))
    return gru


@probe
def _seeded_gru(seed: int) -> nn.GRU:
    """:func:`bidirectional_gru` with its weights drawn from a generator seeded with ``seed``."""
    return bidirectional_gru(torch.Generator().manual_seed(seed))


@check("06.bidirectional_final_states", "final states of a bidirectional GRU", points=2)
def bidirectional_final_states(function: Any) -> None:
    """Exercise 3b: the last layer's final forward and backward states, from packed input.

    ``function(gru, padded, lengths)`` takes a bidirectional ``nn.GRU`` with
    ``batch_first=True``, a padded batch (batch, time, features) and ``lengths``,
    and returns a tensor of shape (batch, 2 * hidden): the forward state after
    each sequence's last valid step, then the backward state after it has read
    the sequence back to its first step. The check compares it with each
    sequence run alone.
    """
    spec = BIDIRECTIONAL
    generator = torch.Generator().manual_seed(8)
    gru = bidirectional_gru(generator)
    lengths = torch.tensor([5, 2, 8, 1, 8, 4])  # not sorted: packing needs enforce_sorted=False
    padded = torch.randn(spec["batch"], 8, spec["input_size"], generator=generator, dtype=torch.float64)
    padded = padded * (torch.arange(8) < lengths[:, None])[..., None]  # zeros in the padding
    hidden = spec["hidden_size"]
    with torch.no_grad():
        alone = [gru(padded[i : i + 1, :length])[0][0] for i, length in enumerate(lengths)]
        expected = torch.stack([torch.cat([out[-1, :hidden], out[0, hidden:]]) for out in alone])
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        out_packed, h_packed = gru(packed)
        out_unpacked = pad_packed_sequence(out_packed, batch_first=True)[0]
        out_padded, h_padded = gru(padded)
    callable_answer(function, "final_states")
    their_gru = observe(
        _seeded_gru, 8, name="final_states"
    )  # the same weights, where the learner's code runs
    result = run(function, their_gru, padded.clone(), lengths.clone(), name="final_states")
    batch = spec["batch"]
    shape = tuple(result.shape) if isinstance(result, torch.Tensor) else None
    hints: tuple[str, ...] = (
        "pack the batch, then read the last layer's two final states from h_n",
        "pack with enforce_sorted=False, run the GRU, and concatenate h_n's forward and backward "
        "states of the last layer along dim=1",
    )
    if _same(result, torch.cat([h_packed[0], h_packed[1]], dim=1)):
        hints = (
            "these are the first layer's states: h_n is ordered layer by layer, forward before "
            "backward, so the last layer's are h_n[-2] (forward) and h_n[-1] (backward)",
        )
    elif _same(result, torch.cat([h_packed[-1], h_packed[-2]], dim=1)):
        hints = ("forward and backward are swapped: h_n[-2] is the forward direction, h_n[-1] the backward",)
    elif _same(result, torch.cat([h_padded[-2], h_padded[-1]], dim=1)):
        hints = (
            "without packing, the forward direction runs on through the padding and the backward "
            "one starts in it: pack the batch (enforce_sorted=False) before the GRU",
        )
    elif _same(result, out_padded[:, -1]):
        hints = (
            "the last padded step of the output is padding for the short sequences, and its "
            "backward half has read only that one step: read the final states from h_n of a packed run",
        )
    elif _same(result, out_unpacked[torch.arange(batch), lengths - 1]):
        hints = (
            "at each sequence's last valid step the forward half is final, but the backward half has "
            "read only that one step; the backward direction ends at step 0, and h_n holds both ends",
        )
    elif shape == (batch, hidden):
        hints = ("that is one direction only: concatenate the last layer's forward and backward states",)
    elif shape in ((2 * batch, hidden), (2, batch, hidden)):
        hints = ("put the two states side by side, along the feature dimension: torch.cat(..., dim=1)",)
    compare("final_states(gru, padded, lengths)", result, expected, *hints, atol=1e-8, rtol=1e-6)
