"""The optimizers: known optima on bounds, bounds for any input, NaN never wins."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from planners import (
    CEM,
    ICEM,
    MPPI,
    CEMConfig,
    ICEMConfig,
    MPPIConfig,
    RandomShooting,
    RandomShootingConfig,
    colored_noise,
    discounted_return,
    sanitize_returns,
)

H, A = 4, 2


def make(name: str, low=-1.0, high=1.0, seed: int = 0, small: bool = False):
    gen = torch.Generator().manual_seed(seed)
    pop = 16 if small else 300
    if name == "random":
        return RandomShooting(low, high, RandomShootingConfig(population=pop * 10), gen)
    if name == "cem":
        return CEM(
            low, high, CEMConfig(population=pop, elites=max(2, pop // 10), iterations=10), gen
        )
    if name == "icem":
        return ICEM(
            low,
            high,
            ICEMConfig(population=pop, elites=max(2, pop // 10), iterations=10, beta=1.0),
            gen,
        )
    if name == "mppi":
        return MPPI(
            low,
            high,
            MPPIConfig(population=pop, iterations=8, temperature=0.05, noise_std=0.3),
            gen,
        )
    raise AssertionError(name)


NAMES = ["random", "cem", "icem", "mppi"]
#: Tolerance on the distance to the optimum, per optimizer.
TOL = {"random": 0.15, "cem": 0.1, "icem": 0.1, "mppi": 0.1}
#: Random shooting gets a 2-dimensional problem: in 8 dimensions uniform samples are sparse.
HORIZON = {"random": 1, "cem": H, "icem": H, "mppi": H}


def quadratic(target: torch.Tensor):
    """Maximised at ``target`` ([H, A]); clipped into the box it lies on a bound."""

    def objective(actions: torch.Tensor) -> torch.Tensor:
        return -(actions - target).square().sum(dim=(1, 2))

    return objective


@pytest.mark.parametrize("name", NAMES)
def test_finds_optimum_on_bound(name):
    # The unconstrained optimum lies outside the box along x: the bounded one is on the
    # upper bound 1 in x and at -0.3 in y.
    h = HORIZON[name]
    target = torch.tensor([1.6, -0.3]).expand(h, A)
    optimum = torch.tensor([1.0, -0.3]).expand(h, A)
    opt = make(name)
    plan = opt.optimize(quadratic(target), torch.zeros(h, A))
    assert plan.shape == (h, A)
    err = (plan - optimum).abs().max().item()
    assert err < TOL[name], f"{name}: max error {err:.3f} to the optimum"
    assert opt.last_samples > 0


@pytest.mark.parametrize("name", NAMES)
def test_asymmetric_bounds_per_dimension(name):
    h = HORIZON[name]
    opt = make(name, low=[0.0, -2.0], high=[0.5, -1.0])
    plan = opt.optimize(quadratic(torch.full((h, A), 3.0)), torch.zeros(h, A))
    assert torch.all(plan[:, 0] <= 0.5) and torch.all(plan[:, 0] >= 0.0)
    assert torch.all(plan[:, 1] <= -1.0) and torch.all(plan[:, 1] >= -2.0)
    assert (plan - torch.tensor([0.5, -1.0])).abs().max() < TOL[name]


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    low=st.floats(-5, 5),
    width=st.floats(0.01, 10),
    scale=st.floats(-1e6, 1e6),
    init=st.floats(-1e9, 1e9) | st.just(float("nan")) | st.just(float("inf")),
    seed=st.integers(0, 2**16),
)
def test_bounds_hold_for_any_input(name, low, width, scale, init, seed):
    high = low + width
    opt = make(name, low, high, seed, small=True)
    gen = torch.Generator().manual_seed(seed)
    weights = torch.randn(H, A, generator=gen) * scale
    seen = []

    def objective(actions):
        seen.append(actions)
        returns = (actions * weights).sum(dim=(1, 2))
        returns[::3] = float("nan")  # some candidates diverge
        return returns

    plan = opt.optimize(objective, torch.full((H, A), init))
    tol = 1e-5 * max(1.0, abs(low), abs(high))
    for x in [plan, *seen]:
        assert torch.isfinite(x).all()
        assert (x >= low - tol).all() and (x <= high + tol).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nonfinite_returns_never_win(name, bad):
    # Higher sums are better, but every candidate with a positive sum "diverges".
    def objective(actions):
        total = actions.sum(dim=(1, 2))
        return torch.where(total > 0, torch.full_like(total, bad), total)

    plan = make(name).optimize(objective, torch.zeros(H, A))
    assert plan.sum() <= 1e-5, f"{name} chose a diverging candidate (sum {plan.sum():.3f})"


@pytest.mark.parametrize("name", NAMES)
def test_all_nonfinite_returns_a_plan_in_bounds(name):
    plan = make(name).optimize(
        lambda a: torch.full((a.shape[0],), float("nan")), torch.full((H, A), 0.25)
    )
    assert torch.isfinite(plan).all() and (plan.abs() <= 1).all()


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_plan(name):
    obj = quadratic(torch.full((H, A), 0.3))
    a = make(name, seed=5, small=True).optimize(obj, torch.zeros(H, A))
    b = make(name, seed=5, small=True).optimize(obj, torch.zeros(H, A))
    c = make(name, seed=6, small=True).optimize(obj, torch.zeros(H, A))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="low < high"):
        CEM(1.0, -1.0)
    with pytest.raises(ValueError, match="elites"):
        CEMConfig(population=10, elites=20)
    with pytest.raises(ValueError, match="temperature"):
        MPPIConfig(temperature=0.0)
    with pytest.raises(ValueError, match=r"\[H, A\]"):
        CEM(-1.0, 1.0).optimize(lambda a: a.sum((1, 2)), torch.zeros(3))
    with pytest.raises(ValueError, match="shape \\[B\\]"):
        CEM(-1.0, 1.0).optimize(lambda a: a.sum(2), torch.zeros(3, 2))


def test_icem_population_decay_and_kept_elites():
    config = ICEMConfig(
        population=100, elites=10, iterations=3, population_decay=2.0, keep_elites=0.5
    )
    assert [config.population_at(i) for i in range(3)] == [100, 50, 25]
    assert config.population_at(10) == 20  # never below twice the elites
    opt = ICEM(-1.0, 1.0, config, torch.Generator().manual_seed(0))
    opt.optimize(quadratic(torch.full((H, A), 0.5)), torch.zeros(H, A))
    # new samples + kept elites in iterations 1 and 2 + the mean in the last
    assert opt.last_samples == 100 + 50 + 25 + 2 * 5 + 1
    kept = opt._kept.clone()
    assert kept.shape == (5, H, A)
    opt.shift(1)
    assert torch.equal(opt._kept[:, :-1], kept[:, 1:])
    assert (opt._kept.abs() <= 1).all()
    opt.reset()
    assert opt._kept is None


def test_colored_noise_is_unit_variance_and_correlated():
    gen = torch.Generator().manual_seed(0)
    like = torch.zeros(())
    white = colored_noise((4000, 20), 0.0, gen, like)
    brown = colored_noise((4000, 20), 2.0, gen, like)
    for x in (white, brown):
        assert x.shape == (4000, 20)
        assert abs(x.std().item() - 1) < 0.05

    def lag1(x):
        return (x[:, 1:] * x[:, :-1]).mean().item()

    assert abs(lag1(white)) < 0.05
    assert lag1(brown) > 0.5


def test_sanitize_and_discounted_return():
    r = sanitize_returns(torch.tensor([0.0, float("nan"), float("-inf"), float("inf")]))
    assert r[0] == 0 and torch.all(r[1:] == -torch.inf)
    rewards = torch.tensor([[-1.0, -1.0, -1.0], [-1.0, -1.0, -1.0]])
    done = torch.tensor([[False, True, False], [False, False, False]])
    assert discounted_return(rewards, 1.0, done).tolist() == [-2.0, -3.0]
    assert discounted_return(rewards, 0.5).tolist() == [-1.75, -1.75]
    with pytest.raises(ValueError, match="discount"):
        discounted_return(rewards, 0.0)
