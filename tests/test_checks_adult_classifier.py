"""Every check of notebook 05: its stub, its solution, and plausible wrong answers."""

import itertools

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from course_utils.checks import adult_classifier as checks
from course_utils.checks import core
from course_utils.checks.core import NOT_ATTEMPTED, RAISED, WRONG


@pytest.fixture(autouse=True)
def first_try():
    """Each test starts with no wrong tries recorded, so the first hint it sees is the first one."""
    core.reset_hints()


# Question in section 2: which steps leak test information

LEAKS = {"a": True, "b": False, "c": True, "d": False, "e": True}


def test_leakage(verdict_of):
    assert checks.leakage({letter: ... for letter in "abcde"}).status == NOT_ATTEMPTED
    assert checks.leakage(...).status == NOT_ATTEMPTED
    assert verdict_of(checks.leakage(dict(LEAKS)))[0]
    assert verdict_of(checks.leakage({k: np.bool_(v) for k, v in LEAKS.items()}))[0]


def test_leakage_names_no_item_and_no_answer(verdict_of):
    every_step_leaks = dict.fromkeys("abcde", True)  # "anything done before the split leaks"
    ok, out = verdict_of(checks.leakage(every_step_leaks))
    assert not ok and "not all 5 answers are right" in out
    assert not any(f"({letter})" in out for letter in "abcde") and "True" not in out and "False" not in out
    assert "hint: a step leaks when" in out
    only_statistics = LEAKS | {"e": False}  # choosing on the test set overlooked
    ok, out = verdict_of(checks.leakage(only_statistics))  # a second wrong try
    assert not ok and "not all 5 answers are right" in out and "(e)" not in out
    assert "True" not in out and "False" not in out
    assert "hint: for each step, ask" in out  # the second wrong try gives the fuller hint


def test_leakage_partly_filled_or_malformed(verdict_of):
    ok, out = verdict_of(checks.leakage(LEAKS | {"c": ..., "d": ...}))
    assert not ok and "2 of the 5 items of leaks are still `...`" in out
    ok, out = verdict_of(checks.leakage(LEAKS | {"c": "yes"}))
    assert not ok and "True (the step leaks) or False" in out
    ok, out = verdict_of(checks.leakage(["a", "c", "e"]))
    assert not ok and "should be a dict" in out
    ok, out = verdict_of(checks.leakage({"a": True, "b": False}))
    assert not ok and "exactly the keys a, b, c, d, e" in out


# Question in section 13: the majority-class baseline

Y_TRAIN = np.array([0] * 600 + [1] * 200)  # 0.75 of label 0
Y_TEST = np.array([0] * 160 + [1] * 40)  # 0.8 of label 0: the right answer


def test_majority_baseline(verdict_of):
    assert checks.majority_baseline(..., Y_TRAIN, Y_TEST).status == NOT_ATTEMPTED
    assert verdict_of(checks.majority_baseline(0.8, Y_TRAIN, Y_TEST))[0]
    assert verdict_of(checks.majority_baseline(0.8003, Y_TRAIN, Y_TEST))[0]  # four decimals suffice
    assert verdict_of(checks.majority_baseline(torch.tensor(0.8), torch.tensor(Y_TRAIN), Y_TEST))[0]


@pytest.mark.parametrize(
    ("answer", "diagnosis"),
    [
        (0.75, "accuracy on the training rows"),
        (0.76, "share in the whole data set"),
        (0.2, "share of the other class"),
        (80.0, "looks like a percentage"),
        (0.5, "is not the test accuracy of this model"),
    ],
)
def test_majority_baseline_wrong_answers(verdict_of, answer, diagnosis):
    ok, out = verdict_of(checks.majority_baseline(answer, Y_TRAIN, Y_TEST))
    assert not ok and diagnosis in out and "hint:" in out
    assert "0.8 " not in out and "0.80" not in out and "0.8," not in out and "0.8\n" not in out


def test_majority_baseline_with_the_lessons_counts(verdict_of):
    y_train = pd.Series([0] * 29676 + [1] * 9397)  # the training part's labels (section 2)
    y_test = pd.Series([0] * 7479 + [1] * 2290)  # the test part's labels (section 2)
    assert verdict_of(checks.majority_baseline(7479 / 9769, y_train, y_test))[0]
    ok, out = verdict_of(checks.majority_baseline(0.7607, y_train, y_test))  # section 1's share
    assert not ok and "whole data set" in out and "0.7656" not in out and "0.766" not in out
    ok, out = verdict_of(checks.majority_baseline("0.7656", y_train, y_test))
    assert not ok and "should be one number" in out


# Exercise 1: two hidden layers


class TwoHiddenStub(nn.Module):
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__()
        raise NotImplementedError


class TwoHidden(nn.Module):
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden[0])
        self.fc2 = nn.Linear(hidden[0], hidden[1])
        self.fc3 = nn.Linear(hidden[1], 1)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class TwoHiddenSigmoid(TwoHidden):  # used to pass: returns probabilities
    def forward(self, x):
        return torch.sigmoid(super().forward(x))


class TwoHiddenTanh(TwoHidden):
    def forward(self, x):
        return torch.tanh(super().forward(x))


class TwoHiddenReluLogit(TwoHidden):
    def forward(self, x):
        return torch.relu(super().forward(x))


class TwoHiddenNoActivation(TwoHidden):
    def forward(self, x):
        return self.fc3(self.fc2(self.fc1(x)))


class TwoHiddenNoReturn(TwoHidden):
    def forward(self, x):
        self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class OneHidden(nn.Module):
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden[0])
        self.fc2 = nn.Linear(hidden[0], 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class TwoHiddenSqueezed(TwoHidden):
    def forward(self, x):
        return super().forward(x).squeeze(1)  # (batch,) instead of (batch, 1)


class TwoHiddenMismatched(TwoHidden):
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__(input_dim, hidden)
        self.fc2 = nn.Linear(hidden[1], hidden[0])  # in and out swapped


class TwoHiddenOutputFirst(nn.Module):  # a right answer whose layers are created in another order
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__()
        self.out = nn.Linear(hidden[1], 1)
        self.second = nn.Linear(hidden[0], hidden[1])
        self.first = nn.Linear(input_dim, hidden[0])
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.out(self.relu(self.second(self.relu(self.first(x)))))


class TwoHiddenOtherActivations(TwoHidden):  # the exercise asks for ReLU; other activations pass
    def forward(self, x):
        return self.fc3(nn.functional.gelu(self.fc2(nn.functional.leaky_relu(self.fc1(x), 0.01))))


class TwoHiddenNoSecondRelu(nn.Module):  # used to pass: no activation after the second hidden layer
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__()
        self.a = nn.Linear(input_dim, hidden[0])
        self.b = nn.Linear(hidden[0], hidden[1])
        self.c = nn.Linear(hidden[1], 1)

    def forward(self, x):
        return self.c(self.b(torch.relu(self.a(x))))


class TwoHiddenNoFirstRelu(TwoHidden):
    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(self.fc1(x))))


class TwoHiddenScaledSecond(TwoHidden):  # scaling is no non-linearity
    def forward(self, x):
        return self.fc3(2 * self.fc2(torch.relu(self.fc1(x))) + 1)


class TwoHiddenDropoutForRelu(TwoHidden):  # dropout is the identity in eval mode
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__(input_dim, hidden)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        return self.fc3(self.dropout(self.fc2(torch.relu(self.fc1(x)))))


class TwoHiddenGeluLogit(TwoHidden):
    def forward(self, x):
        return nn.functional.gelu(super().forward(x))


class TwoHiddenHardCoded(TwoHidden):  # used to pass: ignores the argument hidden
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__(input_dim, (64, 32))


def sequential(input_dim, hidden=(64, 32)):
    return nn.Sequential(
        nn.Linear(input_dim, hidden[0]), nn.Tanh(), nn.Linear(*hidden), nn.ReLU(), nn.Linear(hidden[1], 1)
    )


def sequential_with_sigmoid(input_dim, hidden=(64, 32)):  # used to pass
    return nn.Sequential(sequential(input_dim, hidden), nn.Sigmoid())


def test_two_hidden_layers(verdict_of):
    assert checks.two_hidden_layers(TwoHiddenStub).status == NOT_ATTEMPTED
    assert checks.two_hidden_layers(...).status == NOT_ATTEMPTED
    assert verdict_of(checks.two_hidden_layers(TwoHidden))[0]
    assert verdict_of(checks.two_hidden_layers(sequential))[0]
    assert verdict_of(checks.two_hidden_layers(TwoHiddenOutputFirst))[0]  # used to be rejected
    assert verdict_of(checks.two_hidden_layers(TwoHiddenOtherActivations))[0]


def test_two_hidden_layers_rejects_probabilities(verdict_of):
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenSigmoid))
    assert not ok and "applies a sigmoid after its last linear layer" in out and "not logits" in out
    assert "between 0 and 1" in out and "hint: BCEWithLogitsLoss applies the sigmoid itself" in out
    ok, out = verdict_of(checks.two_hidden_layers(sequential_with_sigmoid))
    assert not ok and "applies a sigmoid after its last linear layer" in out and "section 4" in out
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenTanh))
    assert not ok and "applies a tanh" in out and "between -1 and 1" in out
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenReluLogit))
    assert not ok and "applies a ReLU after its last linear layer" in out and "below 0.5" in out
    assert "hint: an activation belongs after each hidden layer, never after the output layer" in out
    assert "sigmoid" not in out  # the hint names the actual mistake
    core.reset_hints()
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenGeluLogit))
    assert not ok and "changes the output of its last linear layer" in out and "sigmoid" not in out
    assert "hint: the network returns the last nn.Linear's output as it is: apply no activation" in out


def test_two_hidden_layers_wrong_architectures(verdict_of):
    def swapped(input_dim, hidden=(64, 32)):
        return sequential(input_dim, hidden[::-1])

    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenNoActivation))
    assert not ok and "linear in its input" in out and "collapse into one linear map" in out
    ok, out = verdict_of(checks.two_hidden_layers(swapped))
    assert not ok and "widths" in out and "[32, 64, 1]" in out
    ok, out = verdict_of(checks.two_hidden_layers(OneHidden))
    assert not ok and "2 nn.Linear layer(s); two hidden layers need 3" in out
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenSqueezed))
    assert not ok and "has shape (16,); it should be (16, 1)" in out
    result = checks.two_hidden_layers(TwoHiddenMismatched)
    _, out = verdict_of(result)
    assert result.status == RAISED and "RuntimeError" in out and "at line" in out
    ok, out = verdict_of(checks.two_hidden_layers(lambda input_dim: TwoHidden))
    assert not ok and "gave a type" in out


def test_two_hidden_layers_needs_a_non_linearity_after_each_hidden_layer(verdict_of):
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenNoSecondRelu))
    assert not ok and "the output of the second hidden layer reaches the next nn.Linear without" in out
    assert "hint: without one, the second hidden layer and the next layer collapse" in out
    for model in (TwoHiddenScaledSecond, TwoHiddenDropoutForRelu):
        ok, out = verdict_of(checks.two_hidden_layers(model))
        assert not ok and "the output of the second hidden layer reaches" in out
    assert "hint: apply a ReLU to the output of each hidden layer" in out  # a later try: the fuller hint
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenNoFirstRelu))
    assert not ok and "the output of the first hidden layer reaches the next nn.Linear without" in out


def test_two_hidden_layers_follows_the_argument_hidden(verdict_of):
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenHardCoded))
    assert not ok and "TwoHiddenLayers(108, hidden=(16, 8)) has layers of widths [64, 32, 1]" in out
    assert "should follow the argument hidden" in out and "hint: create the layers from the argument" in out


def test_two_hidden_layers_forgotten_return(verdict_of):
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenNoReturn))
    assert not ok and "did you forget `return`?" in out


def test_two_hidden_layers_keeps_the_global_random_state(capsys):
    state = torch.random.get_rng_state()
    checks.two_hidden_layers(TwoHidden)
    capsys.readouterr()
    assert torch.equal(state, torch.random.get_rng_state())


# Exercise 2: a chosen activation


def make_mlp_stub(input_dim, activation, hidden_dim=32):
    raise NotImplementedError


def make_mlp(input_dim, activation, hidden_dim=32):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), activation, nn.Linear(hidden_dim, 1))


def make_mlp_ignores_argument(input_dim, activation, hidden_dim=32):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1))


def make_mlp_width_64(input_dim, activation, hidden_dim=32):
    return nn.Sequential(nn.Linear(input_dim, 64), activation, nn.Linear(64, 1))


def make_mlp_width_32(input_dim, activation, hidden_dim=32):  # used to pass: ignores hidden_dim
    return nn.Sequential(nn.Linear(input_dim, 32), activation, nn.Linear(32, 1))


def make_mlp_activation_last(input_dim, activation, hidden_dim=32):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.Linear(hidden_dim, 1), activation)


def make_mlp_with_sigmoid(input_dim, activation, hidden_dim=32):
    return nn.Sequential(make_mlp(input_dim, activation, hidden_dim), nn.Sigmoid())


def make_mlp_returns_class(input_dim, activation, hidden_dim=32):
    return nn.Sequential  # forgot to call it


def make_mlp_no_return(input_dim, activation, hidden_dim=32):
    nn.Sequential(nn.Linear(input_dim, hidden_dim), activation, nn.Linear(hidden_dim, 1))


def test_activation_mlp(verdict_of):
    assert checks.activation_mlp(make_mlp_stub).status == NOT_ATTEMPTED
    assert verdict_of(checks.activation_mlp(make_mlp))[0]
    ok, out = verdict_of(checks.activation_mlp(make_mlp_ignores_argument))
    assert not ok and "activations ['ReLU']" in out and "the LeakyReLU passed in" in out
    assert "use the activation given as an argument" in out
    ok, out = verdict_of(checks.activation_mlp(make_mlp_activation_last))
    assert not ok and "between the two linear layers" in out and "squash the logit" in out
    ok, out = verdict_of(checks.activation_mlp(make_mlp_with_sigmoid))
    assert not ok and "ends with a Sigmoid" in out and "not logits" in out
    ok, out = verdict_of(checks.activation_mlp(lambda *args: nn.Sequential(make_mlp(*args), nn.Tanh())))
    assert not ok and "contains the activations ['LeakyReLU', 'Tanh']" in out
    ok, out = verdict_of(checks.activation_mlp(make_mlp_returns_class))
    assert not ok and "should give an nn.Module" in out
    ok, out = verdict_of(checks.activation_mlp(make_mlp_no_return))
    assert not ok and "did you forget `return`?" in out


def test_activation_mlp_follows_the_argument_hidden_dim(verdict_of):
    ok, out = verdict_of(checks.activation_mlp(make_mlp_width_64))
    assert (
        not ok and "make_mlp(108, LeakyReLU(negative_slope=0.1)) has linear layers of widths [64, 1]" in out
    )
    assert "with the default hidden_dim = 32" in out and "hint: size the layers from the argument" in out
    ok, out = verdict_of(checks.activation_mlp(make_mlp_width_32))
    assert not ok and "make_mlp(108, Tanh(), 16) has linear layers of widths [32, 1]" in out
    assert "with hidden_dim = 16 they should be 16, then 1" in out

    def three_layers(input_dim, activation, hidden_dim=32):
        return nn.Sequential(
            make_mlp(input_dim, activation, hidden_dim)[:2], nn.Linear(hidden_dim, 8), nn.Linear(8, 1)
        )

    ok, out = verdict_of(checks.activation_mlp(three_layers))
    assert not ok and "widths [32, 8, 1]" in out


# Exercise 3: dropout


def make_dropout_stub(input_dim, p, hidden_dim=64):
    raise NotImplementedError


def make_dropout(input_dim, p, hidden_dim=64):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Dropout(p), nn.Linear(hidden_dim, 1))


class DropoutModule(nn.Module):  # a subclass with in-place layers, applied in forward
    def __init__(self, input_dim, p, hidden_dim=64):
        super().__init__()
        self.out = nn.Linear(hidden_dim, 1)  # registered first, called last
        self.hidden = nn.Linear(input_dim, hidden_dim)
        self.relu, self.dropout = nn.ReLU(inplace=True), nn.Dropout(p, inplace=True)

    def forward(self, x):
        return self.out(self.dropout(self.relu(self.hidden(x))))


def make_dropout_on_input(input_dim, p, hidden_dim=64):  # used to pass
    return nn.Sequential(nn.Dropout(p), nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1))


def make_dropout_before_relu(input_dim, p, hidden_dim=64):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.Dropout(p), nn.ReLU(), nn.Linear(hidden_dim, 1))


def make_dropout_fixed_p(input_dim, p, hidden_dim=64):
    return make_dropout(input_dim, 0.5, hidden_dim)


def make_dropout_on_output(input_dim, p, hidden_dim=64):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1), nn.Dropout(p))


def make_no_dropout(input_dim, p, hidden_dim=64):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1))


class DropoutNeverCalled(DropoutModule):
    def forward(self, x):
        return self.out(self.relu(self.hidden(x)))


def test_dropout_net(verdict_of):
    assert checks.dropout_net(make_dropout_stub).status == NOT_ATTEMPTED
    assert verdict_of(checks.dropout_net(make_dropout))[0]
    assert verdict_of(checks.dropout_net(DropoutModule))[0]


def test_dropout_net_rejects_dropout_in_the_wrong_place(verdict_of):
    ok, out = verdict_of(checks.dropout_net(make_dropout_on_input))
    assert not ok and "applies dropout to the input features" in out
    assert "hint: dropout here should switch off hidden units" in out
    ok, out = verdict_of(checks.dropout_net(make_dropout_on_output))
    assert not ok and "after the output layer" in out and "before the output layer" in out
    ok, out = verdict_of(checks.dropout_net(make_dropout_before_relu))
    assert not ok and "before the activation" in out


def test_dropout_net_other_mistakes(verdict_of):
    ok, out = verdict_of(checks.dropout_net(make_dropout_fixed_p))
    assert not ok and "make_dropout_net(108, 0.3) holds nn.Dropout layers with p = [0.5]" in out
    ok, out = verdict_of(checks.dropout_net(make_no_dropout))
    assert not ok and "with p = []" in out
    ok, out = verdict_of(checks.dropout_net(DropoutNeverCalled))
    assert not ok and "never calls its nn.Dropout" in out
    ok, out = verdict_of(checks.dropout_net(lambda *args: nn.Sequential(make_dropout(*args), nn.Sigmoid())))
    assert not ok and "applies a sigmoid after its last linear layer" in out


# Exercise 4: a threshold chosen on validation data


def choose_stub(probabilities, labels, thresholds):
    raise NotImplementedError


def f1_scores(probabilities, labels, thresholds, positive=1):
    scores = []
    for threshold in thresholds:
        flagged = probabilities >= threshold if positive == 1 else probabilities < threshold
        true_positives = (flagged & (labels == positive)).sum().item()
        scores.append(2 * true_positives / (flagged.sum().item() + (labels == positive).sum().item()))
    return scores


def choose(probabilities, labels, thresholds):
    scores = f1_scores(probabilities, labels, thresholds)
    return thresholds[scores.index(max(scores))]


def choose_with_sklearn(probabilities, labels, thresholds):
    from sklearn.metrics import f1_score

    scores = torch.tensor([f1_score(labels, probabilities > t) for t in thresholds])
    return torch.tensor(thresholds)[scores.argmax()]  # a 0-d tensor


def choose_by_accuracy(probabilities, labels, thresholds):
    scores = [((probabilities >= t).float() == labels).float().mean().item() for t in thresholds]
    return thresholds[scores.index(max(scores))]


def choose_f1_of_label_0(probabilities, labels, thresholds):
    scores = f1_scores(probabilities, labels, thresholds, positive=0)
    return thresholds[scores.index(max(scores))]


def choose_index(probabilities, labels, thresholds):
    scores = f1_scores(probabilities, labels, thresholds)
    return scores.index(max(scores))


def choose_best_score(probabilities, labels, thresholds):
    return max(f1_scores(probabilities, labels, thresholds))


def choose_always_half(probabilities, labels, thresholds):
    return 0.5


def choose_no_return(probabilities, labels, thresholds):
    choose(probabilities, labels, thresholds)


def test_choose_threshold(verdict_of):
    assert checks.choose_threshold(choose_stub).status == NOT_ATTEMPTED
    assert verdict_of(checks.choose_threshold(choose))[0]
    assert verdict_of(checks.choose_threshold(choose_with_sklearn))[0]


def test_choose_threshold_wrong_answers(verdict_of):
    ok, out = verdict_of(checks.choose_threshold(choose_by_accuracy))
    assert not ok and "the threshold with the best accuracy" in out and "F1 score of label 1" in out
    ok, out = verdict_of(checks.choose_threshold(choose_f1_of_label_0))
    assert not ok and "the best F1 score of label 0" in out
    ok, out = verdict_of(checks.choose_threshold(choose_index))
    assert not ok and "a position in the list" in out
    ok, out = verdict_of(checks.choose_threshold(choose_best_score))
    assert not ok and "an F1 score: return its threshold" in out
    ok, out = verdict_of(checks.choose_threshold(choose_always_half))
    assert not ok and "returned 0.5, whose F1 score is" in out and "higher F1" in out
    ok, out = verdict_of(checks.choose_threshold(choose_no_return))
    assert not ok and "did you forget `return`?" in out


def test_choose_threshold_does_not_show_the_right_threshold(verdict_of):
    for wrong in (choose_by_accuracy, choose_always_half, choose_f1_of_label_0):
        result = checks.choose_threshold(wrong)
        _, out = verdict_of(result)
        assert result.status == WRONG and "0.4" not in out  # the best F1 of the first case


def test_the_threshold_cases_tell_the_measures_apart():
    for probabilities, labels, thresholds in checks._threshold_cases():
        f1 = f1_scores(probabilities, labels, thresholds)
        assert f1 == pytest.approx([checks._f1(probabilities, labels, t) for t in thresholds])
        ranked = sorted(f1)
        assert ranked[-1] - ranked[-2] > 0.005  # one clear best
        best = f1.index(max(f1))
        accuracy = [((probabilities >= t).float() == labels).float().mean().item() for t in thresholds]
        f1_label_0 = [checks._f1(probabilities, labels, t, positive=0) for t in thresholds]
        assert accuracy.index(max(accuracy)) != best and f1_label_0.index(max(f1_label_0)) != best
    assert len({choose(*case) for case in checks._threshold_cases()}) == 2  # no single right number


@pytest.mark.parametrize(
    "check", [checks.two_hidden_layers, checks.activation_mlp, checks.dropout_net, checks.choose_threshold]
)
def test_a_broken_answer_is_a_message_not_a_crash(verdict_of, check):
    def broken(*args):
        return 1 / 0

    result = check(broken)
    _, out = verdict_of(result)
    assert result.status == RAISED and "ZeroDivisionError" in out


def test_every_check_is_registered_with_its_points():
    points = {
        check.exercise: check.points
        for check in (
            checks.leakage,
            checks.majority_baseline,
            checks.two_hidden_layers,
            checks.activation_mlp,
            checks.dropout_net,
            checks.choose_threshold,
        )
    }
    assert points == {
        "05.leakage": 1,
        "05.majority_baseline": 1,
        "05.two_hidden_layers": 3,
        "05.activation_mlp": 2,
        "05.dropout_net": 2,
        "05.choose_threshold": 3,
    }


def test_dropout_net_uses_hidden_dim(verdict_of):
    def fixed_width(input_dim, p, hidden_dim=64):
        return nn.Sequential(nn.Linear(input_dim, 64), nn.ReLU(), nn.Dropout(p), nn.Linear(64, 1))

    ok, out = verdict_of(checks.dropout_net(fixed_width))
    assert not ok and "with hidden_dim = 16 they should be 16, then 1" in out


def test_grading_judges_the_baseline_on_the_lessons_own_labels():
    labels = checks._lesson_labels()  # what the grader passes, whatever the learner's y_train and y_test
    assert [int((labels["y_train"] == k).sum()) for k in (0, 1)] == [29676, 9397]
    assert [int((labels["y_test"] == k).sum()) for k in (0, 1)] == [7479, 2290]


class LinearOnly(nn.Module):  # no activation at all: wrong
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(input_dim, hidden[0]), nn.Linear(hidden[0], hidden[1]), nn.Linear(hidden[1], 1)
        )

    def forward(self, x):
        return self.layers(x)


class ForgingDoor(core.LocalDoor):
    """A kernel whose probe was patched to report a ReLU after each hidden layer that never ran."""

    def observe(self, probe, args, name):
        outcome = super().observe(probe, args, name)
        facts = core.wire.decode(outcome["v"])
        if isinstance(facts, dict) and "calls" in facts:
            linears = [call for call in facts["calls"] if call[0] == "Linear"]
            for before, after in itertools.pairwise(linears):
                after[2] = torch.relu(before[3])  # "the next layer received relu(output)"
        return {"kind": "value", "v": core.wire.encode(facts)}


def test_facts_forged_in_the_kernel_do_not_pass_the_judge(verdict_of):
    door = ForgingDoor()
    handle = core.wire.decode(core.wire.encode(LinearOnly, door.server.keep))
    result = core.judge(checks.two_hidden_layers.judge, [handle], door, exercise="05.x", title="x", points=3)
    assert result.status == WRONG and "does not behave like a network of nn modules" in result.feedback
    local = core.LocalDoor()
    handle = core.wire.decode(core.wire.encode(LinearOnly, local.server.keep))
    honest = core.judge(checks.two_hidden_layers.judge, [handle], local, exercise="05.x", title="x", points=3)
    assert honest.status == WRONG and "linear in its input" in honest.feedback


class TwoHiddenSoftmax(TwoHidden):  # a softmax over the single logit: always 1
    def forward(self, x):
        return torch.softmax(super().forward(x), dim=1)


def test_a_softmax_over_one_logit_is_named(verdict_of):
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenSoftmax))
    assert not ok and "a softmax over a single logit is always 1" in out and "linear in its input" not in out


class HoldsButNeverApplies(nn.Module):  # keeps the activation it is given, applies nothing
    def __init__(self, input_dim, activation, hidden_dim=32):
        super().__init__()
        self.first, self.activation, self.last = (
            nn.Linear(input_dim, hidden_dim),
            activation,
            nn.Linear(hidden_dim, 1),
        )

    def forward(self, x):
        return self.last(self.first(x))


class HoldsButAppliesRelu(HoldsButNeverApplies):  # applies torch.relu instead of the activation given
    def forward(self, x):
        self.activation(x[:, :0])  # called, on nothing
        return self.last(torch.relu(self.first(x)))


def builds_its_own_leaky_relu(input_dim, activation, hidden_dim=32):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), type(activation)(), nn.Linear(hidden_dim, 1))


def first_layer_of_108(input_dim, activation, hidden_dim=32):
    return nn.Sequential(nn.Linear(108, hidden_dim), activation, nn.Linear(hidden_dim, 1))


class TwoHidden108(TwoHidden):
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__(108, hidden)


@pytest.mark.parametrize(
    "wrong", [HoldsButNeverApplies, HoldsButAppliesRelu, builds_its_own_leaky_relu, first_layer_of_108]
)
def test_activation_mlp_needs_the_activation_given_applied_and_input_dim_followed(verdict_of, wrong):
    ok, out = verdict_of(checks.activation_mlp(wrong))
    assert not ok, out


def test_two_hidden_layers_needs_input_dim_followed(verdict_of):
    ok, out = verdict_of(checks.two_hidden_layers(TwoHidden108))
    assert not ok and "input_dim=37" in out
