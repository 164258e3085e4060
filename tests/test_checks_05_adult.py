"""Every check of notebook 05: stub, right answer, and at least one plausible wrong answer."""

import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from course_utils.checks import adult as checks

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


class TwoHiddenNoActivation(TwoHidden):
    def forward(self, x):
        return self.fc3(self.fc2(self.fc1(x)))


class OneHidden(nn.Module):
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden[0])
        self.fc2 = nn.Linear(hidden[0], 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class TwoHiddenWithSigmoidOutputShape(TwoHidden):
    def forward(self, x):
        return super().forward(x).squeeze(1)  # (batch,) instead of (batch, 1)


class TwoHiddenMismatched(TwoHidden):
    def __init__(self, input_dim, hidden=(64, 32)):
        super().__init__(input_dim, hidden)
        self.fc2 = nn.Linear(hidden[1], hidden[0])  # in/out swapped


def test_two_hidden_layers(verdict_of):
    assert "not attempted" in verdict_of(checks.two_hidden_layers(TwoHiddenStub))[1]
    assert "not attempted" in verdict_of(checks.two_hidden_layers(...))[1]
    assert verdict_of(checks.two_hidden_layers(TwoHidden))[0]

    def sequential(d):
        return nn.Sequential(nn.Linear(d, 64), nn.Tanh(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    assert verdict_of(checks.two_hidden_layers(sequential))[0]

    def swapped(d):
        return nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 1))

    ok, out = verdict_of(checks.two_hidden_layers(swapped))
    assert not ok and "widths [64, 32, 1]" in out and "got:      layer widths [32, 64, 1]" in out
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenNoActivation))
    assert not ok and "non-linearity" in out and "collapse into one linear map" in out
    ok, out = verdict_of(checks.two_hidden_layers(OneHidden))
    assert not ok and "expected: 3 nn.Linear layers" in out and "got:      2 nn.Linear" in out
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenWithSigmoidOutputShape))
    assert not ok and "(16, 1)" in out and "output of shape (16,)" in out
    ok, out = verdict_of(checks.two_hidden_layers(TwoHiddenMismatched))
    assert not ok and "raised RuntimeError" in out and "out_features" in out


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


def make_mlp_activation_last(input_dim, activation, hidden_dim=32):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.Linear(hidden_dim, 1), activation)


def make_mlp_returns_class(input_dim, activation, hidden_dim=32):
    return nn.Sequential  # forgot to call it


def test_activation_mlp(verdict_of):
    assert "not attempted" in verdict_of(checks.activation_mlp(make_mlp_stub))[1]
    assert verdict_of(checks.activation_mlp(make_mlp))[0]
    ok, out = verdict_of(checks.activation_mlp(make_mlp_ignores_argument))
    assert not ok and "LeakyReLU" in out and "activations ['ReLU']" in out
    assert "use the activation passed in" in out
    ok, out = verdict_of(checks.activation_mlp(make_mlp_activation_last))
    assert not ok and "between the two linear layers" in out and "after the first Linear" in out
    ok, out = verdict_of(checks.activation_mlp(make_mlp_returns_class))
    assert not ok and "nn.Module" in out


# Exercise 3: dropout


def make_dropout_stub(input_dim, p, hidden_dim=64):
    raise NotImplementedError


def make_dropout(input_dim, p, hidden_dim=64):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Dropout(p), nn.Linear(hidden_dim, 1))


def make_dropout_fixed_p(input_dim, p, hidden_dim=64):
    return make_dropout(input_dim, 0.2, hidden_dim)


def make_dropout_on_output(input_dim, p, hidden_dim=64):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1), nn.Dropout(p))


def make_no_dropout(input_dim, p, hidden_dim=64):
    return nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1))


def test_dropout_net(verdict_of):
    assert "not attempted" in verdict_of(checks.dropout_net(make_dropout_stub))[1]
    assert verdict_of(checks.dropout_net(make_dropout))[0]
    ok, out = verdict_of(checks.dropout_net(make_dropout_fixed_p))
    assert not ok and "dropout probabilities [0.2]" in out and "from the argument p" in out
    ok, out = verdict_of(checks.dropout_net(make_dropout_on_output))
    assert not ok and "before the output layer" in out and "hint" in out
    ok, out = verdict_of(checks.dropout_net(make_no_dropout))
    assert not ok and "dropout probabilities []" in out


# Exercise 4: a noisy, normalising Dataset


class NoisyStub(Dataset):
    def __init__(self, numeric, categorical, targets, mean, std, noise_std, generator):
        raise NotImplementedError


class Noisy(Dataset):
    def __init__(self, numeric, categorical, targets, mean, std, noise_std, generator):
        self.numeric, self.categorical, self.targets = numeric, categorical, targets
        self.mean, self.std, self.noise_std, self.generator = mean, std, noise_std, generator

    def __len__(self):
        return len(self.targets)

    def scaled(self, i):
        return (self.numeric[i] - self.mean) / self.std

    def __getitem__(self, i):
        noise = self.noise_std * torch.randn(self.numeric.shape[1], generator=self.generator)
        return torch.cat([self.scaled(i) + noise, self.categorical[i]]), self.targets[i]


class NoisyBeforeScaling(Noisy):  # noise in raw units, shrunk by the scaling
    def __getitem__(self, i):
        noise = self.noise_std * torch.randn(self.numeric.shape[1], generator=self.generator)
        scaled = (self.numeric[i] + noise - self.mean) / self.std
        return torch.cat([scaled, self.categorical[i]]), self.targets[i]


class NoisyEverywhere(Noisy):  # noise on the one-hot columns too
    def __getitem__(self, i):
        features = torch.cat([self.scaled(i), self.categorical[i]])
        noise = torch.randn(features.shape, generator=self.generator)
        return features + self.noise_std * noise, self.targets[i]


class NoiseDrawnOnce(Noisy):  # the same noise at every access
    def __init__(self, *args):
        super().__init__(*args)
        self.noise = self.noise_std * torch.randn(self.numeric.shape, generator=self.generator)

    def __getitem__(self, i):
        return torch.cat([self.scaled(i) + self.noise[i], self.categorical[i]]), self.targets[i]


class NoiseWithoutGenerator(Noisy):
    def __getitem__(self, i):
        noise = self.noise_std * torch.randn(self.numeric.shape[1])
        return torch.cat([self.scaled(i) + noise, self.categorical[i]]), self.targets[i]


class NotNormalised(Noisy):
    def scaled(self, i):
        return self.numeric[i]


class CategoricalFirst(Noisy):
    def __getitem__(self, i):
        features, target = super().__getitem__(i)
        return torch.cat([features[3:], features[:3]]), target


class WrongLength(Noisy):
    def __len__(self):
        return len(self.targets) - 1


def test_noisy_dataset(verdict_of):
    assert "not attempted" in verdict_of(checks.noisy_dataset(NoisyStub))[1]
    assert verdict_of(checks.noisy_dataset(Noisy))[0]
    ok, out = verdict_of(checks.noisy_dataset(NoisyBeforeScaling))
    assert not ok and "standard deviation 0.5" in out and "after standardising" in out
    ok, out = verdict_of(checks.noisy_dataset(NoisyEverywhere))
    assert not ok and "numeric columns only" in out
    ok, out = verdict_of(checks.noisy_dataset(NoiseDrawnOnce))
    assert not ok and "fresh noise at every access" in out and "inside __getitem__" in out
    ok, out = verdict_of(checks.noisy_dataset(NotNormalised))
    assert not ok and "(numeric[i] - mean) / std" in out
    ok, out = verdict_of(checks.noisy_dataset(CategoricalFirst))
    assert not ok and "put it first" in out
    ok, out = verdict_of(checks.noisy_dataset(WrongLength))
    assert not ok and "len(dataset) == 500" in out


def test_noisy_dataset_needs_the_generator(verdict_of):
    torch.manual_seed(0)
    ok, out = verdict_of(checks.noisy_dataset(NoiseWithoutGenerator))
    assert not ok and "generator=self.generator" in out


@pytest.mark.parametrize(
    "check", [checks.two_hidden_layers, checks.activation_mlp, checks.dropout_net, checks.noisy_dataset]
)
def test_a_broken_answer_is_a_message_not_a_crash(verdict_of, check):
    def broken(*args):
        return 1 / 0

    ok, out = verdict_of(check(broken))
    assert not ok and "ZeroDivisionError" in out
