"""Every check of notebook 04: its stub, its right answer, and plausible wrong answers.

The feedback must name what is wrong, and a wrong answer must never be shown the right one.
"""

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from course_utils.checks import core
from course_utils.checks import mlp_regression as checks

ALL_CHECKS = (
    checks.linear_shapes,
    checks.skip_block,
    checks.skip_block_parameters,
    checks.dead_relus,
    checks.noisy_dataset,
)


@pytest.fixture(autouse=True)
def first_try():
    """Each test starts from a first wrong try, so the nudge (not the fuller hint) is shown."""
    for check in ALL_CHECKS:
        core._wrong_tries.pop(check.exercise, None)
    yield


def test_ids_titles_and_points():
    assert [(check.exercise, check.points) for check in ALL_CHECKS] == [
        ("04.linear_shapes", 1),
        ("04.skip_block", 2),
        ("04.skip_block_parameters", 1),
        ("04.dead_relus", 3),
        ("04.noisy_dataset", 3),
    ]
    assert all(core.REGISTRY[check.exercise] is check for check in ALL_CHECKS)


def test_docstrings_hold_no_reference_solution():
    for check in ALL_CHECKS:
        assert ">>>" not in check.__doc__ and "return x +" not in check.__doc__
    assert "220" not in checks.skip_block_parameters.__doc__
    assert "(32, 10)" not in checks.linear_shapes.__doc__ and "(1,)" not in checks.linear_shapes.__doc__


# --- In section 3: the shapes inside nn.Linear -----------------------------------------------------

RIGHT_SHAPES = {"first_weight": (10, 1), "last_weight": (1, 10), "last_bias": (1,), "hidden": (32, 10)}


def predictions(**changes):
    return {**RIGHT_SHAPES, **changes}


def test_linear_shapes_stub_and_right_answer(verdict_of):
    stub = dict.fromkeys(RIGHT_SHAPES, ...)
    assert checks.linear_shapes(stub).status == "not attempted"
    assert checks.linear_shapes(...).status == "not attempted"
    ok, out = verdict_of(checks.linear_shapes(RIGHT_SHAPES))
    assert ok and "correct" in out
    as_learners_write = predictions(first_weight=[10, 1], last_weight=torch.Size([1, 10]))
    assert checks.linear_shapes(as_learners_write)


def test_linear_shapes_accepts_numpy_and_torch_sizes(verdict_of):
    answer = predictions(
        first_weight=(np.int64(10), np.int64(1)),
        last_weight=np.array([1, 10]),
        last_bias=torch.tensor([1]),
        hidden=list(np.array([32, 10])),
    )
    assert verdict_of(checks.linear_shapes(answer))[0]
    ok, out = verdict_of(checks.linear_shapes(predictions(last_bias=np.int64(1))))
    assert not ok and "is an int, not a shape: a one-element tuple needs a trailing comma" in out
    ok, out = verdict_of(checks.linear_shapes(predictions(hidden=(32.0, 10))))
    assert not ok and "its entries should be whole numbers" in out


def test_linear_shapes_rows_and_columns_swapped(verdict_of):
    result = checks.linear_shapes(predictions(first_weight=(1, 10), last_weight=(10, 1)))
    _, out = verdict_of(result)
    assert result.status == "wrong" and result.points == 0
    assert "2 of your 4 shapes are wrong" in out
    assert "first_weight" not in out and "last_bias" not in out  # no item is named
    assert "(1,)" not in out and "(32, 10)" not in out
    assert "hint: which of n_in and n_out counts the rows of W?" in out
    _, again = verdict_of(checks.linear_shapes(predictions(first_weight=(1, 10))))
    assert "one row per output unit" in again and "(10, 1)" not in again  # the fuller hint


def test_linear_shapes_bias_and_batch_wrong(verdict_of):
    ok, out = verdict_of(checks.linear_shapes(predictions(last_bias=(10,), hidden=(10, 32))))
    assert not ok and "2 of your 4 shapes are wrong" in out and "last_bias" not in out
    for right in RIGHT_SHAPES.values():
        assert str(right) not in out
    assert "first_weight" not in out


def test_linear_shapes_an_int_is_not_a_shape(verdict_of):
    ok, out = verdict_of(checks.linear_shapes(predictions(last_bias=(1))))  # (1) is the int 1
    assert not ok and "last_bias: 1 is an int, not a shape" in out and "trailing comma" in out
    ok, out = verdict_of(checks.linear_shapes(predictions(hidden="32 x 10")))
    assert not ok and "is a str, not a shape" in out


def test_linear_shapes_partly_filled_is_wrong_and_counts_the_rest(verdict_of):
    ok, out = verdict_of(checks.linear_shapes(predictions(hidden=..., last_bias=...)))
    assert not ok and "2 of 4 still `...`: last_bias, hidden" in out
    ok, out = verdict_of(checks.linear_shapes({"first_weight": (10, 1)}))
    assert not ok and "no key 'last_weight'" in out


# --- Exercise 1: a block with a skip connection ----------------------------------------------------


class StubBlock(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
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


class NoRelu(SkipBlock):
    def forward(self, x):
        return x + self.linear2(self.linear1(x))


class Doubled(SkipBlock):  # adds the input twice
    def forward(self, x):
        return 2 * x + self.linear2(torch.relu(self.linear1(x)))


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


class ThreeLayers(SkipBlock):
    def __init__(self, n_features):
        super().__init__(n_features)
        self.linear3 = nn.Linear(n_features, n_features)


class ForwardStub(SkipBlock):
    def forward(self, x):
        raise NotImplementedError


class NoReturn(SkipBlock):
    def forward(self, x):
        x + self.linear2(torch.relu(self.linear1(x)))


class Transposed(SkipBlock):
    def forward(self, x):
        return x + self.linear2(torch.relu(self.linear1(x.T)))  # (5, 4) becomes (4, 5)


def right_output_of_the_check():
    """What the check's own SkipBlock(4) returns on its input: the value never to be shown."""
    with core.own_random_state():
        torch.manual_seed(0)
        block = SkipBlock(4)
        x = torch.randn(5, 4, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            return block(x)


def test_skip_block_stub_and_right_answer(verdict_of):
    for stub in (..., StubBlock, ForwardStub):
        assert checks.skip_block(stub).status == "not attempted"
    ok, out = verdict_of(checks.skip_block(SkipBlock))
    assert ok and "✅ SkipBlock: correct" in out


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        (NoSkip, "add the input x back"),
        (ReluAfterSum, "no ReLU after the sum"),
        (NoRelu, "a ReLU belongs between the two layers"),
        (Doubled, "x + linear2(relu(linear1(x)))"),
    ],
)
def test_skip_block_wrong_outputs_show_the_difference_not_the_answer(verdict_of, block, problem):
    result = checks.skip_block(block)
    _, out = verdict_of(result)
    assert result.status == "wrong" and problem in out and "largest difference" in out
    right = right_output_of_the_check()
    assert str(right) not in out and str(right.float()) not in out
    assert f"{right[0, 0].item():.4f}" not in out


def test_skip_block_parameter_counts(verdict_of):
    ok, out = verdict_of(checks.skip_block(PlainList))
    assert not ok and "has 0 parameters: too few" in out and "40" not in out
    ok, out = verdict_of(checks.skip_block(PlainList))  # the second try: the fuller hint
    assert "plain Python list" in out
    ok, out = verdict_of(checks.skip_block(NoBias))
    assert not ok and "has 32 parameters: too few" in out and "40" not in out
    ok, out = verdict_of(checks.skip_block(ThreeLayers))
    assert not ok and "too many" in out


def test_skip_block_forgotten_return_and_errors(verdict_of):
    ok, out = verdict_of(checks.skip_block(NoReturn))
    assert not ok and "did you forget `return`?" in out
    result = checks.skip_block(Transposed)
    _, out = verdict_of(result)
    assert result.status == "raised" and "RuntimeError" in out and "(in forward)" in out
    assert "self.linear1(x.T)" in out
    _, out = verdict_of(checks.skip_block(lambda n: torch.zeros(n)))
    assert "should be an nn.Module, but it is a Tensor" in out


class InPlace(SkipBlock):  # right values, but the caller's x is changed
    def forward(self, x):
        x += self.linear2(torch.relu(self.linear1(x)))
        return x


class InPlaceRelu(SkipBlock):  # x itself goes through an in-place ReLU: wrong values too
    def forward(self, x):
        return x + self.linear2(torch.relu(self.linear1(x.relu_())))


@pytest.mark.parametrize("block", [InPlace, InPlaceRelu])
def test_skip_block_says_that_forward_changed_its_input_in_place(verdict_of, block):
    ok, out = verdict_of(checks.skip_block(block))
    assert not ok and "SkipBlock(4)'s forward changed its input x in place" in out
    assert "hint: x + ... makes a new tensor" in out and "largest difference" not in out
    right = right_output_of_the_check()
    assert str(right.float()) not in out and f"{right[0, 0].item():.4f}" not in out


def test_skip_block_leaves_the_global_random_state_alone(capsys):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    checks.skip_block(SkipBlock)
    assert torch.equal(torch.rand(3), expected)
    capsys.readouterr()


def test_skip_block_parameters(verdict_of):
    assert checks.skip_block_parameters(...).status == "not attempted"
    assert verdict_of(checks.skip_block_parameters(220))[0]
    assert verdict_of(checks.skip_block_parameters(220.0))[0]
    for count, problem in [
        (200, "too few: did you count the biases?"),
        (110, "too few: that is one layer"),
        (120, "too few"),
        (240, "too many: the skip connection"),
    ]:
        ok, out = verdict_of(checks.skip_block_parameters(count))
        assert not ok and f"{count} parameters is {problem}" in out and "220" not in out
    _, out = verdict_of(checks.skip_block_parameters(200))  # a second wrong try: the fuller hint
    assert "10 x 10 weight matrix and 10 biases" in out and "220" not in out
    ok, out = verdict_of(checks.skip_block_parameters("many"))
    assert not ok and "should be a whole number" in out


@pytest.mark.parametrize(
    "count",
    [np.int64(220), np.int32(220), np.float64(220.0), torch.tensor(220), torch.tensor(220.0), np.array(220)],
    ids=["np.int64", "np.int32", "np.float64", "tensor", "float tensor", "0-d array"],
)
def test_skip_block_parameters_accepts_numpy_and_torch_numbers(verdict_of, count):
    assert verdict_of(checks.skip_block_parameters(count))[0]


@pytest.mark.parametrize(
    "count", [220.5, np.float64(219.5), "220", True, np.True_, [220], torch.tensor([1, 2])]
)
def test_skip_block_parameters_still_needs_a_whole_number(verdict_of, count):
    ok, out = verdict_of(checks.skip_block_parameters(count))
    assert not ok and "the count should be a whole number, but it is" in out


def test_skip_block_parameters_judges_numpy_and_torch_numbers_too(verdict_of):
    ok, out = verdict_of(checks.skip_block_parameters(np.int64(200)))
    assert not ok and "200 parameters is too few: did you count the biases?" in out and "220" not in out
    ok, out = verdict_of(checks.skip_block_parameters(torch.tensor(240)))
    assert not ok and "240 parameters is too many" in out


# --- Exercise 2: a forward hook that counts dead ReLUs ---------------------------------------------


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


def test_dead_relus_stub_and_right_answer(verdict_of):
    def stub(model, inputs):
        raise NotImplementedError

    assert checks.dead_relus(...).status == "not attempted"
    assert checks.dead_relus(stub).status == "not attempted"
    assert verdict_of(checks.dead_relus(make_counter(lambda output: (output == 0).all(dim=0).sum())))[0]


def test_dead_relus_wrong_counts_never_show_the_right_ones(verdict_of):
    # counts zero activations instead of units that are zero for every input
    ok, out = verdict_of(checks.dead_relus(make_counter(lambda o: (o == 0).sum())))
    assert not ok and "the counts of ReLU 1 and ReLU 2 are both too high" in out and "for every input" in out
    assert "[1, 2]" not in out
    # a unit that is zero for some input is not dead
    ok, out = verdict_of(checks.dead_relus(make_counter(lambda o: (o == 0).any(0).sum())))
    assert not ok and "still alive" in out and "[1, 2]" not in out
    # counts the live units
    ok, out = verdict_of(checks.dead_relus(make_counter(lambda o: (o != 0).any(0).sum())))
    assert not ok and "[1, 2]" not in out
    assert (
        "counts [3, 1] on the test model: the count of ReLU 1 is too high; the count of ReLU 2 is too low"
        in out
    )


def test_dead_relus_structure_hooks_and_state(verdict_of):
    # only the top level of the model: misses the ReLU inside the nested Sequential
    top_only = make_counter(lambda o: (o == 0).all(0).sum(), search=lambda model: iter(model))
    ok, out = verdict_of(checks.dead_relus(top_only))
    assert not ok and "gave 1 count(s)" in out and "2 nn.ReLU modules" in out
    _, out = verdict_of(checks.dead_relus(top_only))  # the second try
    assert "model.modules()" in out
    # forgets to remove the hooks
    ok, out = verdict_of(checks.dead_relus(make_counter(lambda o: (o == 0).all(0).sum(), remove=False)))
    assert not ok and "still registered" in out and "handle.remove()" in out
    # appends to a list that lives outside the function
    ok, out = verdict_of(checks.dead_relus(make_counter(lambda o: (o == 0).all(0).sum(), shared=[])))
    assert not ok and "fresh counts" in out
    ok, out = verdict_of(checks.dead_relus(lambda model, inputs: 3))
    assert not ok and "a list of ints" in out


def fixed_counts(counts):
    """A count_dead_relus that returns ``counts``, whatever the model."""
    return lambda model, inputs: counts


@pytest.mark.parametrize(
    ("counts", "problem"),
    [
        ([3, 1], "the count of ReLU 1 is too high; the count of ReLU 2 is too low"),
        ([0, 3], "the count of ReLU 1 is too low; the count of ReLU 2 is too high"),
        ([0, 0], "the counts of ReLU 1 and ReLU 2 are both too low"),
        ([2, 3], "the counts of ReLU 1 and ReLU 2 are both too high"),
        ([1, 0], "the count of ReLU 2 is too low"),
        ([4, 2], "the count of ReLU 1 is too high"),
    ],
)
def test_dead_relus_says_which_way_each_count_is_off(verdict_of, counts, problem):
    ok, out = verdict_of(checks.dead_relus(fixed_counts(counts)))
    assert not ok and f"counts {counts} on the test model: {problem}\n" in out
    assert "[1, 2]" not in out


@pytest.mark.parametrize(
    "counts",
    [[np.int64(1), np.int64(2)], np.array([1, 2]), torch.tensor([1, 2]), [torch.tensor(1), 2.0], (1, 2)],
    ids=["np.int64", "array", "tensor", "tensor items", "tuple"],
)
def test_dead_relus_accepts_numpy_and_torch_counts(verdict_of, counts):
    assert verdict_of(checks.dead_relus(fixed_counts(counts)))[0]


@pytest.mark.parametrize("counts", [[1.5, 2], ["1", "2"], "12", [True, 2], [np.True_, 2], 3, torch.tensor(3)])
def test_dead_relus_still_needs_whole_counts(verdict_of, counts):
    ok, out = verdict_of(checks.dead_relus(fixed_counts(counts)))
    assert not ok and "count_dead_relus should return a list of ints" in out


def test_dead_relus_forgotten_return_and_errors(verdict_of):
    def no_return(model, inputs):
        model(inputs)

    def typo(model, inputs):
        return [module.outptu for module in model.modules()]

    ok, out = verdict_of(checks.dead_relus(no_return))
    assert not ok and "did you forget `return`?" in out
    result = checks.dead_relus(typo)
    _, out = verdict_of(result)
    assert result.status == "raised" and "AttributeError" in out and "module.outptu" in out


# --- Exercise 3: the buggy Dataset, fixed ----------------------------------------------------------

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


class NoReturnItem(NoisyRegressionData):
    def __getitem__(self, index):
        self.x[index] + self.noise_std * torch.randn(1, generator=self.generator), self.y[index]


class NoReturnLen(NoisyRegressionData):
    def __len__(self):
        len(self.x)


def test_noisy_dataset_stub_and_right_answers(verdict_of):
    assert checks.noisy_dataset(...).status == "not attempted"
    assert checks.noisy_dataset(StubData).status == "not attempted"
    assert verdict_of(checks.noisy_dataset(NoisyRegressionData))[0]
    assert verdict_of(checks.noisy_dataset(ListItems))[0]  # a DataLoader takes lists too


@pytest.mark.parametrize(
    ("dataset_class", "problems"),
    [
        (OneTensor, ["should be a pair of tensors", "but it is Tensor"]),
        (Buggy, ["len(dataset) is 100 for a dataset built from 5 points", "global"]),
        (InPlace, ["the x passed in changed", "in place"]),
        (FlatItems, ["have shapes [(), ()]", "reshape(-1, 1)"]),
        (GlobalTargets, ["dataset[3] is (13.0, -103.6)", "never a global's"]),
        (GlobalRandom, ["different noise", "generator=self.generator"]),
        (VarianceNotStd, ["s.d. 3.95", "noise_std * torch.randn"]),
        (NoisyTargets, ["the target of item 1 changed", "features only"]),
        (NoReturnItem, ["dataset[3](...) returned None: did you forget `return`?"]),
        (NoReturnLen, ["__len__(...) returned None: did you forget `return`?"]),
    ],
)
def test_noisy_dataset_wrong_answers(verdict_of, dataset_class, problems):
    ok, out = verdict_of(checks.noisy_dataset(dataset_class))
    assert not ok
    for problem in problems:
        assert problem in out
    assert "26.0" not in out  # the right target of item 3 is never shown


def test_noisy_dataset_error_names_the_learners_line(verdict_of):
    class Typo(NoisyRegressionData):
        def __getitem__(self, index):
            return self.x[index] + self.noise_sd, self.y[index]

    result = checks.noisy_dataset(Typo)
    _, out = verdict_of(result)
    assert result.status == "raised" and "AttributeError" in out and "self.noise_sd" in out


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_every_stub_is_not_attempted_and_none_is_an_answer(verdict_of, check):
    assert "not attempted" in verdict_of(check(...))[1]
    assert check(None).status == "wrong"


class OwnGenerator(NoisyRegressionData):  # ignores the generator it is given: always the same noise
    def __init__(self, x, y, noise_std, generator):
        super().__init__(x, y, noise_std, torch.Generator().manual_seed(0))


def test_noisy_dataset_must_draw_from_the_generator_it_is_given(verdict_of):
    ok, out = verdict_of(checks.noisy_dataset(OwnGenerator))
    assert not ok and "does not come from the generator passed in" in out


def test_dead_relus_counts_a_global_hook_left_behind(verdict_of):
    def counts_with_a_global_hook(model, inputs):
        zeros = []
        nn.modules.module.register_module_forward_hook(lambda module, args, out: zeros.append(out))
        model(inputs)
        return [1, 2]

    ok, out = verdict_of(checks.dead_relus(counts_with_a_global_hook))
    nn.modules.module._global_forward_hooks.clear()
    assert not ok and "hook(s) still registered" in out
