"""Every check of notebook 06: stub, right answer, and at least one plausible wrong answer."""

import torch
from torch.nn.utils.rnn import pack_padded_sequence

from course_utils.checks import sequences as checks


def stub(*args):
    raise NotImplementedError


# --- exercise 1: masked max pooling -------------------------------------------------------


def masked_max_right(outputs, lengths):
    padding = torch.arange(outputs.shape[1]) >= lengths[:, None]
    return outputs.masked_fill(padding.unsqueeze(-1), float("-inf")).amax(dim=1)


def test_masked_max(verdict_of):
    assert "not attempted" in verdict_of(checks.masked_max(stub))[1]
    assert "not attempted" in verdict_of(checks.masked_max(...))[1]
    assert verdict_of(checks.masked_max(masked_max_right))[0]


def test_masked_max_rejects_a_max_over_the_padding(verdict_of):
    def plain_max(outputs, lengths):  # the padded zeros win
        return outputs.amax(dim=1)

    def mask_by_multiplying(outputs, lengths):  # zeroing the padding changes nothing here
        mask = torch.arange(outputs.shape[1]) < lengths[:, None]
        return (outputs * mask.unsqueeze(-1)).amax(dim=1)

    for wrong in (plain_max, mask_by_multiplying):
        ok, out = verdict_of(checks.masked_max(wrong))
        assert not ok and "expected:" in out and "float('-inf')" in out and "beat" in out


def test_masked_max_explains_a_wrong_shape_and_a_crash(verdict_of):
    def keeps_time(outputs, lengths):  # forgets to reduce over time
        padding = torch.arange(outputs.shape[1]) >= lengths[:, None]
        return outputs.masked_fill(padding.unsqueeze(-1), float("-inf"))

    ok, out = verdict_of(checks.masked_max(keeps_time))
    assert not ok and "shape (4, 3)" in out and "amax(dim=1)" in out

    def crashes(outputs, lengths):
        return outputs.masked_fill(lengths, 0.0)

    ok, out = verdict_of(checks.masked_max(crashes))
    assert not ok and "raised RuntimeError" in out


# --- exercise 2: last valid outputs with gather -------------------------------------------


def last_valid_right(outputs, lengths):
    index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, outputs.shape[2])
    return outputs.gather(1, index).squeeze(1)


def test_last_valid_outputs(verdict_of):
    assert "not attempted" in verdict_of(checks.last_valid_outputs(stub))[1]
    assert verdict_of(checks.last_valid_outputs(last_valid_right))[0]


def test_last_valid_outputs_rejects_the_last_padded_step(verdict_of):
    ok, out = verdict_of(checks.last_valid_outputs(lambda outputs, lengths: outputs[:, -1]))
    assert not ok and "expected:" in out and "last padded step" in out and "lengths - 1" in out


def test_last_valid_outputs_rejects_off_by_one(verdict_of):
    def gathers_at_lengths(outputs, lengths):  # index L is one past the end for a full row
        index = lengths.view(-1, 1, 1).expand(-1, 1, outputs.shape[2])
        return outputs.gather(1, index).squeeze(1)

    ok, out = verdict_of(checks.last_valid_outputs(gathers_at_lengths))
    assert not ok and "off by one" in out

    def clamps(outputs, lengths):
        return outputs[torch.arange(len(lengths)), lengths.clamp(max=outputs.shape[1] - 1)]

    ok, out = verdict_of(checks.last_valid_outputs(clamps))
    assert not ok and "off by one" in out


def test_last_valid_outputs_rejects_a_scalar_index(verdict_of):
    def no_expand(outputs, lengths):  # index (batch, 1, 1) gathers only hidden unit 0
        return outputs.gather(1, (lengths - 1).view(-1, 1, 1)).squeeze(1)

    ok, out = verdict_of(checks.last_valid_outputs(no_expand))
    assert not ok and "shape (5, 1)" in out and "(batch, 1, hidden)" in out


# --- exercise 3: a bidirectional GRU over packed input ------------------------------------


def test_bidirectional_h_n_shape(verdict_of):
    assert "not attempted" in verdict_of(checks.bidirectional_h_n_shape(...))[1]
    assert verdict_of(checks.bidirectional_h_n_shape((4, 6, 5)))[0]
    assert verdict_of(checks.bidirectional_h_n_shape(torch.Size([4, 6, 5])))[0]
    for wrong in [(6, 4, 5), (2, 6, 10), (4, 6, 10)]:  # batch first; directions merged
        ok, out = verdict_of(checks.bidirectional_h_n_shape(wrong))
        assert not ok and "expected: (4, 6, 5)" in out and "num_layers * 2" in out
    ok, out = verdict_of(checks.bidirectional_h_n_shape("4, 6, 5"))
    assert not ok and "could not be read" in out


def final_states_right(gru, padded, lengths):
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    _, h_n = gru(packed)
    return torch.cat([h_n[-2], h_n[-1]], dim=1)


def test_bidirectional_final_states(verdict_of):
    assert "not attempted" in verdict_of(checks.bidirectional_final_states(stub))[1]
    assert verdict_of(checks.bidirectional_final_states(final_states_right))[0]


def test_bidirectional_final_states_rejects_a_padded_run(verdict_of):
    def no_packing(gru, padded, lengths):
        _, h_n = gru(padded)
        return torch.cat([h_n[-2], h_n[-1]], dim=1)

    ok, out = verdict_of(checks.bidirectional_final_states(no_packing))
    assert not ok and "expected:" in out and "without packing" in out

    def last_padded_output(gru, padded, lengths):
        return gru(padded)[0][:, -1]

    ok, out = verdict_of(checks.bidirectional_final_states(last_padded_output))
    assert not ok and "last padded step" in out


def test_bidirectional_final_states_rejects_wrong_layers_and_order(verdict_of):
    def run(gru, padded, lengths):
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        return gru(packed)[1]

    ok, out = verdict_of(
        checks.bidirectional_final_states(
            lambda gru, padded, lengths: torch.cat(list(run(gru, padded, lengths)[:2]), dim=1)
        )
    )
    assert not ok and "first layer" in out
    ok, out = verdict_of(
        checks.bidirectional_final_states(
            lambda gru, padded, lengths: torch.cat(list(run(gru, padded, lengths)[[3, 2]]), dim=1)
        )
    )
    assert not ok and "swapped" in out
    ok, out = verdict_of(
        checks.bidirectional_final_states(lambda gru, padded, lengths: run(gru, padded, lengths)[-1])
    )  # backward direction only
    assert not ok and "shape (6, 10)" in out and "h_n[-2]" in out
