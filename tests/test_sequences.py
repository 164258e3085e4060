"""course_utils.sequences.as_lengths: every accepted form, and errors that say what is wrong."""

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from course_utils.sequences import as_lengths


@pytest.mark.parametrize(
    "lengths",
    [
        [3, 2, 1],
        (3, 2, 1),
        np.array([3, 2, 1]),
        np.array([3, 2, 1], dtype=np.uint8),
        torch.tensor([3, 2, 1]),
        torch.tensor([3, 2, 1], dtype=torch.int32),
    ],
)
def test_accepts_every_integer_form(lengths):
    result = as_lengths(lengths)
    assert result.dtype == torch.int64 and result.device.type == "cpu"
    assert result.tolist() == [3, 2, 1]


def test_result_is_what_pack_padded_sequence_needs():
    padded = torch.zeros(3, 4, 2)
    packed = pack_padded_sequence(
        padded, as_lengths(np.array([2, 4, 1], dtype=np.int16)), batch_first=True, enforce_sorted=False
    )
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]


def test_does_not_change_its_argument():
    lengths = torch.tensor([3, 2], dtype=torch.int32)
    as_lengths(lengths)
    assert lengths.dtype == torch.int32


@pytest.mark.parametrize(
    "lengths, error, words",
    [
        (torch.tensor([3.0, 2.0]), TypeError, "whole numbers (an integer dtype), got torch.float32"),
        ([3, 2.5], TypeError, ".long()"),
        (torch.tensor([True, False]), TypeError, "torch.bool"),
        ("3, 2", TypeError, "got str"),
        (5, TypeError, "got int"),
        ([[1, 2], [3]], TypeError, "whole numbers"),
        (torch.tensor(3), ValueError, "1-D (one length per sequence), got shape ()"),
        (np.array([[3, 2]]), ValueError, "got shape (1, 2)"),
        ([], ValueError, "empty"),
        ([3, 0, 2], ValueError, "lengths[1] is 0"),
        (torch.tensor([4, -1]), ValueError, "at least 1"),
    ],
)
def test_bad_lengths_raise_an_error_that_says_what_is_wrong(lengths, error, words):
    with pytest.raises(error, match="as_lengths") as caught:
        as_lengths(lengths)
    assert words in str(caught.value)


def test_batch_size_must_match():
    with pytest.raises(ValueError, match=r"got 2 lengths for a batch of 3 sequences"):
        as_lengths([3, 2], batch_size=3)


def test_lengths_must_fit_the_padded_data():
    assert as_lengths([5, 2], max_length=5).tolist() == [5, 2]
    with pytest.raises(ValueError, match=r"lengths\[1\] is 7, longer than the padded data's 5"):
        as_lengths([5, 7], max_length=5)
