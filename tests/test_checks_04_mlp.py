"""Every check of notebook 04: stub, right answer, and at least one plausible wrong answer."""

import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from course_utils.checks import mlp as checks

# --- Exercise 1: a block with a skip connection -------------------------------------------------


class StubBlock(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        raise NotImplementedError


class SkipBlock(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.linear1 = nn.Linear(n_features, n_features)
        self.linear2 = nn.Linear(n_features, n_features)

    def forward(self, x):
        return x + self.linear2(torch.relu(self.linear1(x)))


class NoSkip(SkipBlock):
    def forward(self, x):
        return self.linear2(torch.relu(self.linear1(x)))


class ReluAfterSum(SkipBlock):
    def forward(self, x):
        return torch.relu(x + self.linear2(torch.relu(self.linear1(x))))


class PlainList(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.layers = [nn.Linear(n_features, n_features), nn.Linear(n_features, n_features)]

    def forward(self, x):
        return x + self.layers[1](torch.relu(self.layers[0](x)))


class NoBias(SkipBlock):
    def __init__(self, n_features):
        super().__init__(n_features)
        self.linear1 = nn.Linear(n_features, n_features, bias=False)
        self.linear2 = nn.Linear(n_features, n_features, bias=False)


class ForwardStub(SkipBlock):
    def forward(self, x):
        raise NotImplementedError


def test_skip_block(verdict_of):
    assert "not attempted" in verdict_of(checks.skip_block(...))[1]
    assert "not attempted" in verdict_of(checks.skip_block(StubBlock))[1]
    assert "not attempted" in verdict_of(checks.skip_block(ForwardStub))[1]
    assert verdict_of(checks.skip_block(SkipBlock))[0]
    ok, out = verdict_of(checks.skip_block(NoSkip))
    assert not ok and "add the input x back" in out and "expected: tensor" in out
    ok, out = verdict_of(checks.skip_block(ReluAfterSum))
    assert not ok and "no ReLU after the sum" in out
    ok, out = verdict_of(checks.skip_block(PlainList))
    assert not ok and "expected: 40 parameters" in out and "plain Python list" in out
    ok, out = verdict_of(checks.skip_block(NoBias))
    assert not ok and "got:      32 parameters" in out and "biases" in out


def test_skip_block_leaves_the_global_random_state_alone(capsys):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    checks.skip_block(SkipBlock)
    assert torch.equal(torch.rand(3), expected)
    capsys.readouterr()


def test_skip_block_parameters(verdict_of):
    assert "not attempted" in verdict_of(checks.skip_block_parameters(...))[1]
    assert verdict_of(checks.skip_block_parameters(220))[0]
    ok, out = verdict_of(checks.skip_block_parameters(200))  # the biases forgotten
    assert not ok and "expected: 220" in out and "10 biases" in out
    ok, out = verdict_of(checks.skip_block_parameters("many"))
    assert not ok and "could not be read" in out


# --- Exercise 2: a forward hook that counts dead ReLUs -------------------------------------------


def make_counter(dead_of, *, remove=True, search=lambda model: model.modules(), shared=None):
    def count_dead_relus(model, inputs):
        counts = [] if shared is None else shared
        handles = [
            module.register_forward_hook(lambda module, args, output: counts.append(int(dead_of(output))))
            for module in search(model)
            if isinstance(module, nn.ReLU)
        ]
        with torch.no_grad():
            model(inputs)
        if remove:
            for handle in handles:
                handle.remove()
        return counts

    return count_dead_relus


def test_dead_relus(verdict_of):
    def stub(model, inputs):
        raise NotImplementedError

    right = make_counter(lambda output: (output == 0).all(dim=0).sum())
    assert "not attempted" in verdict_of(checks.dead_relus(stub))[1]
    assert verdict_of(checks.dead_relus(right))[0]
    # counts zero activations instead of units that are zero for every input
    ok, out = verdict_of(checks.dead_relus(make_counter(lambda o: (o == 0).sum())))
    assert not ok and "expected: [1, 2]" in out and "for every input" in out
    # a unit that is zero for some input is not dead
    ok, out = verdict_of(checks.dead_relus(make_counter(lambda o: (o == 0).any(0).sum())))
    assert not ok and "still alive" in out
    # only the top level of the model: misses the ReLU inside the nested Sequential
    top_only = make_counter(lambda o: (o == 0).all(0).sum(), search=lambda model: iter(model))
    ok, out = verdict_of(checks.dead_relus(top_only))
    assert not ok and "model.modules()" in out
    # forgets to remove the hooks
    leaky = make_counter(lambda o: (o == 0).all(0).sum(), remove=False)
    ok, out = verdict_of(checks.dead_relus(leaky))
    assert not ok and "handle.remove()" in out
    # appends to a list that lives outside the function
    outside = make_counter(lambda o: (o == 0).all(0).sum(), shared=[])
    ok, out = verdict_of(checks.dead_relus(outside))
    assert not ok and "fresh counts" in out
    ok, out = verdict_of(checks.dead_relus(lambda model, inputs: 3))
    assert not ok and "a list of ints" in out


# --- Exercise 3: the buggy Dataset, fixed ---------------------------------------------------------

x_obs = torch.linspace(-5, 5, 100)  # the globals that the buggy version reads by mistake
y_obs = x_obs**3


class StubData(Dataset):
    def __init__(self, x, y, noise_std, generator):
        raise NotImplementedError


class NoisyRegressionData(Dataset):
    def __init__(self, x, y, noise_std, generator):
        self.x, self.y = x.reshape(-1, 1), y.reshape(-1, 1)
        self.noise_std, self.generator = noise_std, generator

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        noise = self.noise_std * torch.randn(1, generator=self.generator)
        return self.x[index] + noise, self.y[index]


class Buggy(NoisyRegressionData):  # the notebook's buggy version
    def __len__(self):
        return len(x_obs)

    def __getitem__(self, index):
        features = self.x[index]
        features += self.noise_std * torch.randn(1, generator=self.generator)
        return features, y_obs[index]


class InPlace(NoisyRegressionData):
    def __getitem__(self, index):
        features = self.x[index]
        features += self.noise_std * torch.randn(1, generator=self.generator)
        return features, self.y[index]


class FlatItems(NoisyRegressionData):
    def __init__(self, x, y, noise_std, generator):
        super().__init__(x, y, noise_std, generator)
        self.x, self.y = x, y

    def __getitem__(self, index):
        return self.x[index] + self.noise_std * torch.randn((), generator=self.generator), self.y[index]


class GlobalRandom(NoisyRegressionData):
    def __getitem__(self, index):
        return self.x[index] + self.noise_std * torch.randn(1), self.y[index]


class ListItems(NoisyRegressionData):
    def __getitem__(self, index):
        return list(super().__getitem__(index))


class OneTensor(NoisyRegressionData):
    def __getitem__(self, index):
        return torch.cat(super().__getitem__(index))


class NoisyTargets(NoisyRegressionData):
    def __getitem__(self, index):
        noise = self.noise_std * torch.randn(1, generator=self.generator)
        return self.x[index] + noise, self.y[index] + noise


class VarianceNotStd(NoisyRegressionData):
    def __getitem__(self, index):
        noise = self.noise_std**2 * torch.randn(1, generator=self.generator)
        return self.x[index] + noise, self.y[index]


class GlobalTargets(NoisyRegressionData):
    def __getitem__(self, index):
        return self.x[index], y_obs[index].reshape(1)


def test_noisy_dataset(verdict_of):
    assert "not attempted" in verdict_of(checks.noisy_dataset(...))[1]
    assert "not attempted" in verdict_of(checks.noisy_dataset(StubData))[1]
    assert verdict_of(checks.noisy_dataset(NoisyRegressionData))[0]
    assert verdict_of(checks.noisy_dataset(ListItems))[0]  # a DataLoader takes lists too
    ok, out = verdict_of(checks.noisy_dataset(OneTensor))
    assert not ok and "a pair of tensors" in out
    ok, out = verdict_of(checks.noisy_dataset(Buggy))
    assert not ok and "expected: len(dataset) == 5" in out and "global" in out
    ok, out = verdict_of(checks.noisy_dataset(InPlace))
    assert not ok and "stay unchanged" in out and "in place" in out
    ok, out = verdict_of(checks.noisy_dataset(FlatItems))
    assert not ok and "shapes [(1,), (1,)]" in out and "reshape(-1, 1)" in out
    ok, out = verdict_of(checks.noisy_dataset(GlobalTargets))
    assert not ok and "dataset[3] == (13.0, 26.0)" in out
    ok, out = verdict_of(checks.noisy_dataset(GlobalRandom))
    assert not ok and "generator=self.generator" in out
    ok, out = verdict_of(checks.noisy_dataset(VarianceNotStd))
    assert not ok and "std 2.0" in out and "noise_std * torch.randn" in out
    ok, out = verdict_of(checks.noisy_dataset(NoisyTargets))
    assert not ok and "features only" in out


@pytest.mark.parametrize("answer", [..., None])
def test_stubs_of_every_check(verdict_of, answer):
    for check in (checks.skip_block, checks.skip_block_parameters, checks.dead_relus, checks.noisy_dataset):
        assert "not attempted" in verdict_of(check(answer))[1]
