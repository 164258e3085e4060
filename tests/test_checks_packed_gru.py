"""Every check of notebook 06: its stub, the right answer, and plausible wrong answers.

A wrong answer must be told what is wrong and must never see the right values.
"""

import random

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from course_utils.checks import core
from course_utils.checks import packed_gru as checks


@pytest.fixture(autouse=True)
def first_try(monkeypatch):
    """Each test starts with no wrong tries counted, so the first hint is the nudge."""
    monkeypatch.setattr(core, "_wrong_tries", {})


def stub(*args):
    raise NotImplementedError


def inputs_of(check):
    """The arguments that ``check`` hands to the learner's function."""
    seen = []

    def spy(*args):
        seen.append(args)
        raise NotImplementedError

    check(spy)
    return seen[0]


def shown(tensor):
    """How a tensor prints: the text that must not appear in the feedback when it is the reference."""
    return str(tensor.detach().float())


# --- in-lesson question: batch_sizes of a packed batch ------------------------------------

RIGHT_BATCH_SIZES = [4, 3, 2, 2]


def test_the_question_matches_what_torch_packs():
    lengths = torch.tensor(checks.QUESTION_LENGTHS)
    packed = pack_padded_sequence(torch.zeros(4, 4), lengths, batch_first=True)
    assert packed.batch_sizes.tolist() == RIGHT_BATCH_SIZES


def test_packed_batch_sizes_stub_and_right_answers(verdict_of):
    assert checks.packed_batch_sizes(...).status == core.NOT_ATTEMPTED
    assert checks.packed_batch_sizes([..., ..., ..., ...]).status == core.NOT_ATTEMPTED
    for right in (
        RIGHT_BATCH_SIZES,
        tuple(RIGHT_BATCH_SIZES),
        torch.tensor(RIGHT_BATCH_SIZES),
        [4.0, 3, 2, 2],
    ):
        result = checks.packed_batch_sizes(right)
        assert result.status == core.CORRECT and result.points == result.max_points == 1


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ([4, 4, 2, 1], "that is the list of lengths"),  # the lengths themselves
        ([4, 4, 3, 2], "2 of your 4 entries are wrong"),  # counted lengths >= t
        ([4, 3, 2], "has 3 entries"),  # stopped one step early
        ([4, 3, 2, 2, 1], "has 5 entries"),  # one step too many
        ([4, 3, 2, 3], "1 of your 4 entries is wrong"),
        ([4, ..., 2, 2], "1 of the 4 entries of your batch_sizes is still `...`"),
        ("4, 3, 2, 2", "should be a list or tuple of whole numbers"),
        ([4, 3, 2, "2"], "'2' is not one"),
    ],
)
def test_packed_batch_sizes_names_what_is_wrong_without_the_answer(verdict_of, answer, problem):
    passed, out = verdict_of(checks.packed_batch_sizes(answer))
    assert not passed and problem in out
    assert "[4, 3, 2, 2]" not in out and "(4, 3, 2, 2)" not in out


@pytest.mark.parametrize(
    "right",
    [
        np.array(RIGHT_BATCH_SIZES),
        np.array(RIGHT_BATCH_SIZES, dtype=np.int32),
        [np.int64(size) for size in RIGHT_BATCH_SIZES],
        [np.int64(4), 3, torch.tensor(2), np.float64(2.0)],
        np.array(RIGHT_BATCH_SIZES, dtype=float),
        torch.tensor(RIGHT_BATCH_SIZES, dtype=torch.float32),
    ],
    ids=["array", "int32 array", "np.int64 list", "mixed", "float array", "float tensor"],
)
def test_packed_batch_sizes_accepts_numpy_and_torch_integers(verdict_of, right):
    result = checks.packed_batch_sizes(right)
    assert result.status == core.CORRECT and result.points == 1


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (np.array([4, 3, 2, 3]), "1 of your 4 entries is wrong"),  # judged as a list would be
        ([np.int64(4), np.int64(4), np.int64(2), np.int64(1)], "that is the list of lengths"),
        (np.array([4.5, 3, 2, 2]), "np.float64(4.5) is not one"),
        ([4, 3, 2, np.True_], "np.True_ is not one"),
        ([4, 3, 2, True], "True is not one"),
        (np.array(["4", "3", "2", "2"]), "np.str_('4') is not one"),
        (np.array([[4, 3], [2, 2]]), "should be a list or tuple of whole numbers"),
    ],
)
def test_packed_batch_sizes_judges_numpy_answers_and_rejects_non_integers(verdict_of, answer, problem):
    passed, out = verdict_of(checks.packed_batch_sizes(answer))
    assert not passed and problem in out
    assert "[4, 3, 2, 2]" not in out and "(4, 3, 2, 2)" not in out


def test_packed_batch_sizes_hints_come_in_stages(verdict_of):
    _, first = verdict_of(checks.packed_batch_sizes([4, 4, 3, 2]))
    _, second = verdict_of(checks.packed_batch_sizes([4, 4, 3, 2]))
    assert "still have a value at time step t" in first
    assert "count the lengths greater than t" in second
    _, increasing = verdict_of(checks.packed_batch_sizes([4, 3, 2, 3]))
    assert "never increases" in increasing


# --- exercise 1: masked max pooling -------------------------------------------------------


def masked_max_right(outputs, lengths):
    padding = torch.arange(outputs.shape[1]) >= lengths[:, None]
    return outputs.masked_fill(padding.unsqueeze(-1), float("-inf")).amax(dim=1)


def masked_max_reference():
    return masked_max_right(*inputs_of(checks.masked_max))


def test_masked_max_stub_and_right_answer(verdict_of):
    assert checks.masked_max(stub).status == core.NOT_ATTEMPTED
    assert checks.masked_max(...).status == core.NOT_ATTEMPTED
    result = checks.masked_max(masked_max_right)
    assert result.status == core.CORRECT and result.points == 2

    def with_a_loop(outputs, lengths):
        return torch.stack([outputs[i, :length].max(dim=0).values for i, length in enumerate(lengths)])

    assert checks.masked_max(with_a_loop)


def plain_max(outputs, lengths):  # the padded zeros win
    return outputs.amax(dim=1)


def mask_by_multiplying(outputs, lengths):  # zeroing the padding again changes nothing
    mask = torch.arange(outputs.shape[1]) < lengths[:, None]
    return (outputs * mask.unsqueeze(-1)).amax(dim=1)


def mask_off_by_one(outputs, lengths):  # the first padded step still takes part
    padding = torch.arange(outputs.shape[1]) > lengths[:, None]
    return outputs.masked_fill(padding.unsqueeze(-1), float("-inf")).amax(dim=1)


@pytest.mark.parametrize("wrong", [plain_max, mask_by_multiplying, mask_off_by_one])
def test_masked_max_rejects_padding_that_takes_part(verdict_of, wrong):
    passed, out = verdict_of(checks.masked_max(wrong))
    assert not passed and "padded steps took part" in out and "float('-inf')" in out
    assert "largest difference" in out and shown(masked_max_reference()) not in out


def test_masked_max_rejects_an_inverted_mask_with_staged_hints(verdict_of):
    def inverted(outputs, lengths):  # fills the valid steps instead of the padding
        valid = torch.arange(outputs.shape[1]) < lengths[:, None]
        return outputs.masked_fill(valid.unsqueeze(-1), float("-inf")).amax(dim=1)

    passed, first = verdict_of(checks.masked_max(inverted))
    assert not passed and "a value that can never win" in first
    _, second = verdict_of(checks.masked_max(inverted))
    assert "masked_fill" in second and shown(masked_max_reference()) not in first + second


def test_masked_max_explains_a_wrong_shape_a_pair_and_a_crash(verdict_of):
    def keeps_time(outputs, lengths):  # forgets to reduce over time
        padding = torch.arange(outputs.shape[1]) >= lengths[:, None]
        return outputs.masked_fill(padding.unsqueeze(-1), float("-inf"))

    passed, out = verdict_of(checks.masked_max(keeps_time))
    assert not passed and "should have shape (4, 3)" in out and "time dimension" in out

    def values_and_indices(outputs, lengths):  # max(dim=1) gives a (values, indices) pair
        padding = torch.arange(outputs.shape[1]) >= lengths[:, None]
        return outputs.masked_fill(padding.unsqueeze(-1), float("-inf")).max(dim=1)

    passed, out = verdict_of(checks.masked_max(values_and_indices))
    assert not passed and "(values, indices)" in out and "amax" in out

    def crashes(outputs, lengths):
        return outputs.masked_fill(lengths, 0.0)

    result = checks.masked_max(crashes)
    assert result.status == core.RAISED and "raised RuntimeError" in result.feedback
    assert "outputs.masked_fill(lengths, 0.0)" in result.feedback  # the learner's line


def test_masked_max_asks_about_a_forgotten_return(verdict_of):
    def no_return(outputs, lengths):
        padding = torch.arange(outputs.shape[1]) >= lengths[:, None]
        outputs.masked_fill(padding.unsqueeze(-1), float("-inf")).amax(dim=1)

    passed, out = verdict_of(checks.masked_max(no_return))
    assert not passed and "did you forget `return`?" in out


# --- exercise 2: last valid outputs with gather -------------------------------------------


def last_valid_right(outputs, lengths):
    index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, outputs.shape[2])
    return outputs.gather(1, index).squeeze(1)


def last_valid_reference():
    return last_valid_right(*inputs_of(checks.last_valid_outputs))


def test_last_valid_outputs_stub_and_right_answer(verdict_of):
    assert checks.last_valid_outputs(stub).status == core.NOT_ATTEMPTED
    result = checks.last_valid_outputs(last_valid_right)
    assert result.status == core.CORRECT and result.points == 2


@pytest.mark.parametrize(
    ("wrong", "problem"),
    [
        (lambda outputs, lengths: outputs[:, -1], "last step of the padded batch"),
        (lambda outputs, lengths: outputs[:, 0], "first step of every sequence"),
        (lambda outputs, lengths: outputs[torch.arange(5), lengths.clamp(max=6)], "off by one"),
        (lambda outputs, lengths: outputs.gather(1, (lengths - 1).view(-1, 1, 1)).squeeze(1), "expand it"),
        (lambda outputs, lengths: outputs[:, lengths - 1], "gather pairs each sequence with its own index"),
        (
            lambda outputs, lengths: outputs.gather(1, (lengths - 1).view(-1, 1, 1).expand(-1, 1, 4)),
            "squeeze(1)",
        ),
    ],
    ids=["last padded step", "first step", "clamped", "no expand", "plain indexing", "no squeeze"],
)
def test_last_valid_outputs_names_the_mistake_without_the_answer(verdict_of, wrong, problem):
    passed, out = verdict_of(checks.last_valid_outputs(wrong))
    assert not passed and problem in out and shown(last_valid_reference()) not in out


def test_last_valid_outputs_explains_an_index_one_past_the_end(verdict_of):
    def gathers_at_lengths(outputs, lengths):  # index L is one past the end for a full row
        index = lengths.view(-1, 1, 1).expand(-1, 1, outputs.shape[2])
        return outputs.gather(1, index).squeeze(1)

    result = checks.last_valid_outputs(gathers_at_lengths)
    assert result.status == core.RAISED and "out of bounds" in result.feedback
    assert "hint: off by one" in result.feedback

    def other_crash(outputs, lengths):
        return outputs.gather(1, lengths)

    result = checks.last_valid_outputs(other_crash)
    assert result.status == core.RAISED and "off by one" not in result.feedback


def gathers_along_hidden(outputs, lengths):  # the reviewer's case: lengths - 1 gathered on dim 2
    index = (lengths - 1).view(-1, 1, 1).expand(-1, outputs.shape[1], 1)
    return outputs.gather(2, index).squeeze(2)


def gathers_along_batch(outputs, lengths):
    index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, outputs.shape[2])
    return outputs.gather(0, index).squeeze(1)


@pytest.mark.parametrize(
    ("wrong", "size"), [(gathers_along_hidden, 4), (gathers_along_batch, 5)], ids=["dim 2", "dim 0"]
)
def test_last_valid_outputs_an_index_out_of_bounds_on_another_dimension_is_not_off_by_one(
    verdict_of, wrong, size
):
    result = checks.last_valid_outputs(wrong)
    assert result.status == core.RAISED and "out of bounds" in result.feedback
    assert "off by one" not in result.feedback and "L - 1" not in result.feedback
    assert (
        f"hint: the index ran past the end of a dimension of size {size}, which is not time: the step "
        "numbers lengths - 1 index the time dimension, so gather along dim=1 of outputs (batch, time, hidden)"
    ) in result.feedback


@pytest.mark.parametrize(
    "one_past_the_end",
    [
        lambda outputs, lengths: outputs[torch.arange(5), lengths],  # IndexError, dimension 1
        lambda outputs, lengths: outputs.index_select(1, lengths),  # "out of DATA bounds"
    ],
    ids=["indexing", "index_select"],
)
def test_last_valid_outputs_off_by_one_in_time_whatever_the_wording(verdict_of, one_past_the_end):
    result = checks.last_valid_outputs(one_past_the_end)
    assert result.status == core.RAISED
    assert "hint: off by one: the last valid step of a sequence of length L has index L - 1, not L" in (
        result.feedback
    )


def test_last_valid_outputs_asks_about_a_forgotten_return(verdict_of):
    def no_return(outputs, lengths):
        last_valid_right(outputs, lengths)

    passed, out = verdict_of(checks.last_valid_outputs(no_return))
    assert not passed and "did you forget `return`?" in out


# --- exercise 3a: the shape of h_n --------------------------------------------------------

RIGHT_SHAPE = (4, 6, 5)


def right_shape_texts():
    return [str(RIGHT_SHAPE), str(list(RIGHT_SHAPE)), "4, 6, 5", "torch.Size([4, 6, 5])"]


def test_the_shape_question_matches_what_torch_gives():
    gru = checks.bidirectional_gru(torch.Generator().manual_seed(0))
    assert tuple(gru(torch.zeros(6, 3, 3, dtype=torch.float64))[1].shape) == RIGHT_SHAPE


def test_bidirectional_h_n_shape_stub_and_right_answers(verdict_of):
    assert checks.bidirectional_h_n_shape(...).status == core.NOT_ATTEMPTED
    assert checks.bidirectional_h_n_shape((..., ..., ...)).status == core.NOT_ATTEMPTED
    for right in (RIGHT_SHAPE, list(RIGHT_SHAPE), torch.Size(RIGHT_SHAPE), torch.tensor(RIGHT_SHAPE)):
        assert checks.bidirectional_h_n_shape(right)
    for right in (np.array(RIGHT_SHAPE), tuple(np.int64(size) for size in RIGHT_SHAPE)):
        assert checks.bidirectional_h_n_shape(right)


@pytest.mark.parametrize(
    ("answer", "problem", "hint"),
    [
        ((6, 4, 5), "2 of your 3 sizes are wrong", "batch_first=True sets the layout"),
        ((2, 6, 10), "2 of your 3 sizes are wrong", "side by side"),
        ((4, 6, 10), "1 of your 3 sizes is wrong", "side by side"),
        ((2, 6, 5), "1 of your 3 sizes is wrong", "every layer AND for every direction"),
        ((8, 6, 5), "1 of your 3 sizes is wrong", "every layer in every direction"),
        ((4, 6), "h_n_shape has 2 entries", "stacked into one tensor"),
        ((4, ..., 5), "1 of the 3 entries of h_n_shape is still `...`", ""),
        ("4, 6, 5", "should be a list or tuple of whole numbers", ""),
    ],
)
def test_bidirectional_h_n_shape_names_the_wrong_dimension_never_the_shape(verdict_of, answer, problem, hint):
    passed, out = verdict_of(checks.bidirectional_h_n_shape(answer))
    assert not passed and problem in out and hint in out
    printed = out.replace(repr(answer), "")  # the learner's own answer may be echoed
    assert not any(text in printed for text in right_shape_texts())


def test_bidirectional_h_n_shape_hints_come_in_stages(verdict_of):
    _, first = verdict_of(checks.bidirectional_h_n_shape((3, 6, 5)))
    _, second = verdict_of(checks.bidirectional_h_n_shape((3, 6, 5)))
    assert "every layer in every direction" in first
    assert "stacked along dimension 0" in second and "(4, 6, 5)" not in second


# --- exercise 3b: final states of a bidirectional GRU -------------------------------------


def final_states_right(gru, padded, lengths):
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    _, h_n = gru(packed)
    return torch.cat([h_n[-2], h_n[-1]], dim=1)


def final_states_reference():
    return final_states_right(*inputs_of(checks.bidirectional_final_states))


def h_n_of_packed(gru, padded, lengths):
    return gru(pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False))[1]


def test_bidirectional_final_states_stub_and_right_answers(verdict_of):
    assert checks.bidirectional_final_states(stub).status == core.NOT_ATTEMPTED
    result = checks.bidirectional_final_states(final_states_right)
    assert result.status == core.CORRECT and result.points == 2

    def by_layer_and_direction(gru, padded, lengths):
        h_n = h_n_of_packed(gru, padded, lengths)
        last_layer = h_n.view(gru.num_layers, 2, *h_n.shape[1:])[-1]  # (2, batch, hidden)
        return last_layer.permute(1, 0, 2).reshape(h_n.shape[1], -1)

    assert checks.bidirectional_final_states(by_layer_and_direction)


def no_packing(gru, padded, lengths):
    _, h_n = gru(padded)
    return torch.cat([h_n[-2], h_n[-1]], dim=1)


def last_padded_output(gru, padded, lengths):
    return gru(padded)[0][:, -1]


def first_layer(gru, padded, lengths):
    return torch.cat(list(h_n_of_packed(gru, padded, lengths)[:2]), dim=1)


def swapped(gru, padded, lengths):
    return torch.cat(list(h_n_of_packed(gru, padded, lengths)[[3, 2]]), dim=1)


def output_at_last_valid_step(gru, padded, lengths):
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    out, _ = pad_packed_sequence(gru(packed)[0], batch_first=True)
    return out[torch.arange(len(lengths)), lengths - 1]


def backward_only(gru, padded, lengths):
    return h_n_of_packed(gru, padded, lengths)[-1]


def concatenated_along_the_batch(gru, padded, lengths):
    h_n = h_n_of_packed(gru, padded, lengths)
    return torch.cat([h_n[-2], h_n[-1]], dim=0)


@pytest.mark.parametrize(
    ("wrong", "problem"),
    [
        (no_packing, "without packing"),
        (last_padded_output, "last padded step"),
        (first_layer, "first layer"),
        (swapped, "swapped"),
        (output_at_last_valid_step, "backward half has read only that one step"),
        (backward_only, "one direction only"),
        (concatenated_along_the_batch, "dim=1"),
    ],
)
def test_bidirectional_final_states_names_the_mistake_without_the_answer(verdict_of, wrong, problem):
    passed, out = verdict_of(checks.bidirectional_final_states(wrong))
    assert not passed and problem in out and shown(final_states_reference()) not in out


def test_bidirectional_final_states_explains_a_wrong_shape_by_the_spec(verdict_of):
    passed, out = verdict_of(checks.bidirectional_final_states(backward_only))
    assert not passed and "has shape (6, 5); it should have shape (6, 10)" in out


def test_bidirectional_final_states_reports_packing_without_enforce_sorted(verdict_of):
    def sorted_packing(gru, padded, lengths):  # the lengths of the batch are not in order
        _, h_n = gru(pack_padded_sequence(padded, lengths, batch_first=True))
        return torch.cat([h_n[-2], h_n[-1]], dim=1)

    result = checks.bidirectional_final_states(sorted_packing)
    assert result.status == core.RAISED and "enforce_sorted" in result.feedback


def test_bidirectional_final_states_asks_about_a_forgotten_return(verdict_of):
    def no_return(gru, padded, lengths):
        final_states_right(gru, padded, lengths)

    passed, out = verdict_of(checks.bidirectional_final_states(no_return))
    assert not passed and "did you forget `return`?" in out


def test_the_gru_is_built_without_the_global_generator():
    before = torch.random.get_rng_state()
    first = checks.bidirectional_gru(torch.Generator().manual_seed(8))
    second = checks.bidirectional_gru(torch.Generator().manual_seed(8))
    assert torch.equal(torch.random.get_rng_state(), before)
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(a, b)  # the weights come from the generator alone


def draws_too(gru, padded, lengths):  # a right answer that also draws random numbers
    torch.rand(3)
    random.random()
    np.random.rand()
    return final_states_right(gru, padded, lengths)


@pytest.mark.parametrize("answer", [stub, final_states_right, no_packing, draws_too])
def test_the_learners_random_state_is_unchanged_by_running_the_check(verdict_of, answer):
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    untouched = torch.rand(3), random.random(), np.random.rand()
    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    checks.bidirectional_final_states(answer)
    after = torch.rand(3), random.random(), np.random.rand()
    assert torch.equal(after[0], untouched[0]) and after[1:] == untouched[1:]


def test_every_check_is_registered_with_its_points():
    points = {
        "packed_batch_sizes": 1,
        "masked_max": 2,
        "last_valid_outputs": 2,
        "bidirectional_h_n_shape": 1,
        "bidirectional_final_states": 2,
    }
    for name, worth in points.items():
        check = getattr(checks, name)
        assert check.exercise == f"06.{name}" and check.points == worth
        assert core.REGISTRY[check.exercise] is check
