"""The one episode loop, its summary, and the pieces an MPC agent is built from.

* :func:`run_episode` / :func:`run_episodes` / :func:`summarize`: one episode of any
  policy (the one protocol, :mod:`vin_gym.data.policies`: ``policy(obs, info) ->
  action``, optionally ``reset(obs, info, rng)``), one per seed, and the summary of many. Every
  command, benchmark and example that plays and scores episodes goes through them (the
  SB3 evaluation, which plays ten episodes side by side in a ``VecEnv``, excepted).
* :class:`MPCPolicy`: an MPC agent as such a policy (goal-bound reward, decision times,
  frames with its predicted path), with optional exploration noise for collecting data.
* :func:`goal_fns`: the env task's batched reward and success with the episode's goal bound.
* :func:`make_optimizer`: a planner's optimizer over the action box from config overrides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import gymnasium as gym
    import torch

    from planners import MPCAgent, Optimizer
    from vin_gym.data.policies import Policy


#: The planner used unless told otherwise: iCEM plans the skill task with the shipped VIN
#: in 35 of 40 episodes where CEM, at about the same model budget, does in 28.
DEFAULT_PLANNER = "icem"


def goal_fns(env: gym.Env, goal: np.ndarray, device: torch.device) -> tuple[Any, Any]:
    """The env task's batched reward and termination, with ``goal`` bound in."""
    import torch

    task = env.unwrapped.task
    goal_t = torch.as_tensor(np.asarray(goal), dtype=torch.float32, device=device)

    def reward_fn(states: torch.Tensor) -> torch.Tensor:
        return task.torch_reward(states, goal_t)

    def termination_fn(states: torch.Tensor) -> torch.Tensor:
        return task.torch_success(states, goal_t)

    return reward_fn, termination_fn


def planner_config(planner: str, overrides: dict[str, Any]) -> Any:
    """The config of ``planner`` with ``overrides``: the one place planner settings are
    checked (an unknown name is refused with the known ones, a bad value by the config).

    >>> planner_config("cem", {"populaton": 50})
    Traceback (most recent call last):
    ValueError: unknown cem planner setting 'populaton'; expected one of: population, ...
    """
    from planners import PLANNERS
    from vin_gym.dataclass_args import check_keys

    if planner not in PLANNERS:
        raise ValueError(f"planner must be one of {sorted(PLANNERS)}, got {planner!r}")
    config_cls = PLANNERS[planner][1]
    check_keys(config_cls, overrides, f"{planner} planner setting")
    return config_cls(**overrides)


def make_optimizer(
    planner: str, overrides: dict[str, Any], generator: torch.Generator
) -> Optimizer:
    """An optimizer over the env's action box ``[-1, 1]`` with config ``overrides``
    (:func:`planner_config`: unknown settings are refused)."""
    from planners import PLANNERS

    config = planner_config(planner, overrides)
    return PLANNERS[planner][0](-1.0, 1.0, config, generator=generator)


class MPCPolicy:
    """An MPC agent as a policy for :func:`run_episode` and for data collection.

    Each episode it resets the agent with the env task's reward and success for the
    episode's goal (:func:`goal_fns`); it reports the agent's decision times, and draws
    frames with the agent's predicted path (:func:`draw_prediction`).

    As the online loop's behaviour policy (``reseed=True``, ``explore_std > 0``) it sees
    only what an agent sees (frames, the goal, its own generator), never the true
    states: each episode reseeds the agent's optimizer from the episode's generator, and
    the executed action is the agent's plus ``N(0, explore_std^2)`` per component from the
    same generator, so an episode comes out the same whichever run (or resumed run)
    collects it. Actions are clipped to the box ``[-1, 1]`` as float32.

    Args:
        env: The env the agent plays (its ``unwrapped.task`` gives the reward).
        agent: The MPC agent (or ``None`` with ``build_agent``).
        build_agent: Builds the agent at the first episode instead (so a collection that
            finds its data on disk never loads a model).
        explore_std: Exploration noise, as a fraction of half the action range.
        reseed: Seed the agent's optimizer from each episode's generator.
    """

    def __init__(
        self,
        env: gym.Env,
        agent: MPCAgent | None = None,
        *,
        build_agent: Callable[[], MPCAgent] | None = None,
        explore_std: float = 0.0,
        reseed: bool = False,
    ) -> None:
        if (agent is None) == (build_agent is None):
            raise ValueError("pass an agent or build_agent, one of them")
        if explore_std < 0:
            raise ValueError(f"explore_std must be >= 0, got {explore_std!r}")
        self.env = env
        self._build = build_agent
        self._agent = agent
        self.explore_std = explore_std
        self.reseed = reseed
        self._rng: np.random.Generator | None = None

    @property
    def agent(self) -> MPCAgent:
        """The agent (built now if it was given as a function)."""
        if self._agent is None:
            self._agent = self._build()
        return self._agent

    def reset(self, obs: Any, info: dict, rng: np.random.Generator | None = None) -> None:
        """Bind the episode's goal into the agent's planning reward; with ``reseed`` or
        exploration noise, draw from the episode's generator ``rng``."""
        if (self.reseed or self.explore_std > 0) and rng is None:
            raise ValueError("reseed and exploration noise draw from the episode's rng: pass it")
        agent = self.agent
        if self.reseed:
            agent.optimizer.generator.manual_seed(int(rng.integers(0, 2**62)))
        agent.reset(*goal_fns(self.env, info["goal"], agent.model.device))
        self._rng = rng

    def __call__(self, obs: Any, info: dict) -> np.ndarray:
        action = self.agent.act(obs, info)
        if self.explore_std > 0:
            if self._rng is None:
                raise RuntimeError("MPCPolicy.reset() must start every episode")
            action = action + self._rng.normal(0.0, self.explore_std, action.shape)
        return np.clip(action, -1.0, 1.0).astype(np.float32)

    @property
    def decision_times(self) -> list[float]:
        """Seconds of each of this episode's decisions."""
        return self.agent.decision_times

    def frame(self, env: gym.Env) -> np.ndarray:
        """The env's frame with the agent's predicted path."""
        return draw_prediction(env, self.agent)


def _render(env: gym.Env) -> np.ndarray:
    return env.render()


def run_episode(
    env: gym.Env,
    policy: Policy,
    seed: int,
    frames: list[np.ndarray] | None = None,
    rng: np.random.Generator | None = None,
) -> dict[str, Any]:
    """One episode of ``policy`` in ``env`` from ``reset(seed=seed)``: the one episode loop.

    Args:
        env: A vin-gym environment (wrappers allowed).
        policy: A callable ``policy(obs, info) -> action``. If it has them, ``run_episode``
            also calls ``policy.reset(obs, info, rng)`` after the reset, draws frames with
            ``policy.frame(env)`` and reads the episode's ``policy.decision_times``
            (see :class:`MPCPolicy`, which makes an ``MPCAgent`` such a policy).
        seed: The reset seed.
        frames: If a list, the frame before each step and the last one are appended.
        rng: The episode's generator for ``policy.reset`` (default: one spawned from
            ``seed``, apart from the env's own).

    Returns:
        ``seed``, ``return``, ``steps``, ``success`` (of the last step), ``decisions`` and
        ``decision_s`` (their number and total seconds; 0 for a policy that does not time
        its decisions).
    """
    obs, info = env.reset(seed=seed)
    reset = getattr(policy, "reset", None)
    if reset is not None:
        if rng is None:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
        reset(obs, info, rng)
    draw = getattr(policy, "frame", None) or _render
    total, steps, success = 0.0, 0, False
    while True:
        action = policy(obs, info)
        if frames is not None:
            frames.append(draw(env))
        obs, reward, terminated, truncated, info = env.step(action)
        total += float(reward)
        steps += 1
        success = bool(info["is_success"])
        if terminated or truncated:
            break
    if frames is not None:
        frames.append(env.render())
    times = getattr(policy, "decision_times", ())
    return {
        "seed": seed,
        "return": total,
        "steps": steps,
        "success": success,
        "decisions": len(times),
        "decision_s": float(sum(times)),
    }


def run_episodes(
    env: gym.Env,
    policy: Policy,
    seeds: Sequence[int],
    desc: str = "episodes",
    keep_frames: bool | int = False,
    progress: bool = True,
    final_distance: bool = True,
    leave: bool = True,
) -> tuple[list[dict[str, Any]], list[list[np.ndarray]]]:
    """:func:`run_episode` once per seed: the one evaluation over seeds (its summary, with
    the success rate's interval, is :func:`summarize`'s).

    Args:
        env: The env to play.
        policy: As for :func:`run_episode`.
        seeds: One episode per reset seed, in order.
        desc: The progress bar's label.
        keep_frames: Keep each episode's frames (``True``), those of the first
            ``keep_frames`` episodes (an ``int``), or none (``False``); the env must render
            ``rgb_array``.
        progress: Show a progress bar.
        final_distance: Add to each result the ``final_distance`` of the target to the goal.
        leave: Leave the finished progress bar on screen.

    Returns:
        The per-episode results, and per-episode frames (an empty list for an episode
        whose frames are not kept).
    """
    from vin_gym.utils import progress_bar

    kept = len(seeds) if keep_frames is True else int(keep_frames)
    episodes, videos = [], []
    bar = progress_bar(
        seeds, desc=desc, unit="ep", disable=not progress, dynamic_ncols=True, leave=leave
    )
    for i, seed in enumerate(bar):
        frames: list[np.ndarray] | None = [] if i < kept else None
        episode = run_episode(env, policy, int(seed), frames)
        if final_distance:
            base = env.unwrapped  # still at the episode's last state
            distance = base.task.distance(base.sim.object_states(), base.goal)
            episode["final_distance"] = float(distance)
        episodes.append(episode)
        videos.append(frames or [])
    return episodes, videos


def summarize(episodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Success rate with its 95% Wilson interval, mean return, mean steps to success, ms
    per decision."""
    from vin_gym.stats import wilson_interval

    successes = [e for e in episodes if e["success"]]
    decisions = sum(e["decisions"] for e in episodes)
    low, high = wilson_interval(len(successes), len(episodes)) if episodes else (0.0, 1.0)
    return {
        "episodes": len(episodes),
        "success_rate": len(successes) / max(len(episodes), 1),
        "ci_low": low,
        "ci_high": high,
        "mean_return": float(np.mean([e["return"] for e in episodes])) if episodes else 0.0,
        "mean_steps_to_success": (
            float(np.mean([e["steps"] for e in successes])) if successes else None
        ),
        "ms_per_decision": (
            1000 * sum(e["decision_s"] for e in episodes) / decisions if decisions else None
        ),
        "decisions": decisions,
    }


def draw_prediction(env: gym.Env, agent: MPCAgent) -> np.ndarray:
    """The env's frame with the agent's predicted target path drawn as a yellow line."""
    from PIL import Image, ImageDraw

    frame = env.render()
    if agent.prediction is None:
        return frame
    base = env.unwrapped
    target = base.task.target
    pred = agent.prediction[agent.plan_step - 1 :, target, :2].cpu().numpy()  # [H', 2]
    scale = frame.shape[0] / base.sim_params.table_size
    start = base.sim.object_states()[target, :2]
    points = [tuple(p) for p in np.vstack([start, pred]) * scale]  # x -> column, y -> row
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    draw.line(points, fill=(255, 255, 0), width=max(1, frame.shape[0] // 128))
    for x, y in points[1:]:
        draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=(255, 255, 0))
    return np.asarray(image)
