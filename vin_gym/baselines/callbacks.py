"""Evaluation of an SB3 policy on fixed episode seeds, and the callback that logs it.

Episode ``i`` of every evaluation starts from ``env.reset(seed=EVAL_SEED_BASE + i)``, so
two evaluations of the same policy see the same scenes and goals, and every method of the
comparison (SB3 agents, MPC planners, random actions) can be scored on the same 50
episodes. Actions are the policy's deterministic ones (the Gaussian's mean).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.seeds import DEV_SEED_BASE
from vin_gym.utils import write_json

#: Episode ``i`` of an evaluation uses ``reset(seed=EVAL_SEED_BASE + i)``: development
#: episodes (:mod:`vin_gym.seeds`).
EVAL_SEED_BASE = DEV_SEED_BASE


def eval_seeds(n_episodes: int, seed_base: int = EVAL_SEED_BASE) -> list[int]:
    """The reset seeds of an evaluation of ``n_episodes`` episodes.

    >>> eval_seeds(3)
    [1000, 1001, 1002]
    """
    return [seed_base + i for i in range(n_episodes)]


def evaluate_fixed_seeds(
    model: Any,
    eval_env: Any,
    n_episodes: int,
    seed_base: int = EVAL_SEED_BASE,
    deterministic: bool = True,
) -> dict[str, Any]:
    """Play ``n_episodes`` episodes, episode ``i`` reset with seed ``seed_base + i``.

    Args:
        model: Anything with SB3's ``predict(obs, deterministic=...)``.
        eval_env: An SB3 ``VecEnv`` wrapped as for training (frame stack included). Its
            ``num_envs`` episodes run side by side; a sub-env that has finished its
            episode keeps stepping (auto-reset) but is no longer counted.
        n_episodes: Number of episodes.
        seed_base: Seed of episode 0.
        deterministic: Use the policy's deterministic actions.

    Two evaluations of the same policy on the same ``eval_env`` give identical results;
    with another ``num_envs`` the network sees other batches, so returns may differ by
    float rounding.

    Returns:
        ``success_rate``, ``mean_return``, ``std_return``, ``mean_length`` and the
        per-episode lists ``returns``, ``successes``, ``lengths``.
    """
    if n_episodes < 1:
        raise ValueError(f"n_episodes must be >= 1, got {n_episodes}")
    k = eval_env.num_envs
    returns, successes, lengths = [], [], []
    for start in range(0, n_episodes, k):
        count = min(k, n_episodes - start)
        eval_env.seed(seed_base + start)  # sub-env j resets with seed_base + start + j
        obs = eval_env.reset()
        ret, length = np.zeros(k), np.zeros(k, dtype=int)
        done = np.zeros(k, dtype=bool)
        done[count:] = True  # spare sub-envs in the last batch are not counted
        success = np.zeros(k, dtype=bool)
        while not done.all():
            actions, _ = model.predict(obs, deterministic=deterministic)
            obs, rewards, dones, infos = eval_env.step(actions)
            live = ~done
            ret[live] += rewards[live]
            length[live] += 1
            for j in np.flatnonzero(live & dones):
                success[j] = bool(infos[j].get("is_success", False))
                done[j] = True
        returns += ret[:count].tolist()
        successes += success[:count].tolist()
        lengths += length[:count].tolist()
    return {
        "success_rate": float(np.mean(successes)),
        "mean_return": float(np.mean(returns)),
        "std_return": float(np.std(returns)),
        "mean_length": float(np.mean(lengths)),
        "episodes": n_episodes,
        "seed_base": seed_base,
        "returns": returns,
        "successes": successes,
        "lengths": lengths,
    }


#: The newest state of a run, rewritten at every evaluation and every
#: ``checkpoint_every`` steps: what ``vin-gym baseline --resume`` continues from.
LATEST = "latest.zip"
#: The replay buffer of an off-policy run, saved beside :data:`LATEST`.
LATEST_BUFFER = "latest_replay_buffer.pkl"


def make_eval_callback(
    eval_env: Any,
    run_dir: Path,
    eval_at: Sequence[int],
    n_episodes: int,
    save_checkpoints: bool = True,
    final_target: int | None = None,
    checkpoint_every: int | None = None,
    evaluations: Sequence[dict[str, Any]] = (),
) -> Any:
    """An SB3 callback evaluating on fixed seeds at the step counts ``eval_at`` and at
    the end of training, appending to ``run_dir/evaluations.json`` and saving a
    checkpoint ``run_dir/checkpoints/model_<steps>.zip`` at each evaluation.

    Each evaluation row records ``timesteps`` (steps actually taken) and ``target`` (the
    nominal step count: an entry of ``eval_at``, or ``final_target`` at the end, which
    PPO may overshoot by part of a rollout).

    With ``save_checkpoints``, the run's newest state also goes to
    ``run_dir/checkpoints/latest.zip`` (and an off-policy agent's replay buffer beside
    it) at each evaluation and every ``checkpoint_every`` steps, for a resume.
    ``evaluations`` are the rows of the run so far (a resumed run): their targets are
    not evaluated again."""
    from stable_baselines3.common.callbacks import BaseCallback

    class FixedSeedEvalCallback(BaseCallback):
        """Evaluate at fixed environment step counts on fixed episode seeds."""

        def __init__(self) -> None:
            super().__init__(verbose=0)
            self.evaluations: list[dict[str, Any]] = [dict(e) for e in evaluations]
            done = {int(e["target"]) for e in self.evaluations}
            self.pending = sorted({int(t) for t in eval_at} - done)
            self.t0 = time.perf_counter()
            self.eval_seconds = 0.0
            self.next_checkpoint: int | None = None

        def _on_training_start(self) -> None:
            self.next_checkpoint = self._checkpoint_after(self.num_timesteps)
            self.pending = [t for t in self.pending if t > self.num_timesteps]

        def _on_step(self) -> bool:
            if self.pending and self.num_timesteps >= self.pending[0]:
                target = self.pending[0]
                while self.pending and self.num_timesteps >= self.pending[0]:
                    self.pending.pop(0)
                self.evaluate(target)
            if self.next_checkpoint is not None and self.num_timesteps >= self.next_checkpoint:
                self.next_checkpoint = self._checkpoint_after(self.num_timesteps)
                self.save_latest()
            return True

        @staticmethod
        def _checkpoint_after(steps: int) -> int | None:
            """The first multiple of ``checkpoint_every`` above ``steps`` (``None``: never)."""
            return (steps // checkpoint_every + 1) * checkpoint_every if checkpoint_every else None

        def save_latest(self) -> None:
            if not save_checkpoints:
                return
            folder = run_dir / "checkpoints"
            if hasattr(self.model, "replay_buffer"):  # first: the model file marks the state
                save_replay_buffer(self.model, folder / LATEST_BUFFER)
            save_model(self.model, folder / LATEST)

        def _on_training_end(self) -> None:
            if not self.evaluations or self.evaluations[-1]["timesteps"] != self.num_timesteps:
                self.evaluate(final_target or self.num_timesteps)

        def evaluate(self, target: int) -> None:
            t = time.perf_counter()
            result = evaluate_fixed_seeds(self.model, eval_env, n_episodes)
            self.eval_seconds += time.perf_counter() - t
            row = {
                "timesteps": int(self.num_timesteps),
                "target": int(target),
                "wall_s": time.perf_counter() - self.t0,
                **result,
            }
            self.evaluations.append(row)
            write_json(run_dir / "evaluations.json", self.evaluations)
            self.logger.record("eval/success_rate", row["success_rate"])
            self.logger.record("eval/mean_return", row["mean_return"])
            self.logger.dump(self.num_timesteps)
            if save_checkpoints:
                save_model(self.model, run_dir / "checkpoints" / f"model_{self.num_timesteps}.zip")
                self.save_latest()

    return FixedSeedEvalCallback()


def make_progress_callback() -> Any:
    """An SB3 callback showing a tqdm bar of environment steps (SB3's own bar needs
    ``rich``, which the ``sb3`` extra does not install)."""
    from stable_baselines3.common.callbacks import BaseCallback

    from vin_gym.utils import progress_bar

    class TqdmCallback(BaseCallback):
        """A progress bar over the run's environment steps."""

        def _on_training_start(self) -> None:
            total = self.locals.get("total_timesteps", None)
            self.bar = progress_bar(total=total, unit="step", dynamic_ncols=True, desc="training")
            self.last = self.num_timesteps

        def _on_step(self) -> bool:
            self.bar.update(self.num_timesteps - self.last)
            self.last = self.num_timesteps
            return True

        def _on_training_end(self) -> None:
            self.bar.close()

    return TqdmCallback()


def save_model(model: Any, path: Path) -> Path:
    """Save an SB3 model atomically (SB3 appends ``.zip`` to names without it), signed
    (``vin_gym.signing``: it is a pickle that ``--resume`` loads)."""
    from vin_gym.signing import sign_file
    from vin_gym.utils import atomic_write

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:  # a file object: SB3 then writes to it as is
            model.save(f)

    saved = atomic_write(path, write)
    sign_file(saved)
    return saved


def save_replay_buffer(model: Any, path: Path) -> Path:
    """Save an off-policy model's replay buffer atomically (SB3's pickle format), signed."""
    from vin_gym.signing import sign_file
    from vin_gym.utils import atomic_write

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            model.save_replay_buffer(f)

    saved = atomic_write(path, write)
    sign_file(saved)
    return saved
