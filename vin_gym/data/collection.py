"""Collect episodes under a policy into a sharded dataset (see :mod:`vin_gym.data.storage`).

Episodes are independent: episode ``e`` of a dataset made with seed ``s`` resets its env
with a seed drawn from ``SeedSequence(s, spawn_key=(e, 0))`` and gives its policy a
generator from ``SeedSequence(s, spawn_key=(e, 1))``. So the data do not depend on how
episodes are spread over workers, and ``shard=(i, n)`` (episodes ``i * episodes`` to
``(i + 1) * episodes - 1``) gives n machines disjoint seeds.

Workers (``workers > 1``) each collect whole shards and write them straight to disk; only
shard records and progress counts travel between processes.

>>> import tempfile
>>> cfg = CollectConfig("Billiards-v0", {"obs_size": 32}, policy="random", episodes=2,
...                     steps=5, progress=False)
>>> manifest = collect(cfg, tempfile.mkdtemp())
>>> manifest["num_episodes"], manifest["episode_length"], manifest["arrays"]["frames"]["shape"]
(2, 6, [6, 32, 32, 3])
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.data import storage
from vin_gym.data.policies import Policy, make_policy, policy_name
from vin_gym.fingerprint import physics_fingerprint

#: Shards are sized to hold about this many bytes of frames.
SHARD_BYTES = 16 * 2**20


@dataclass
class CollectConfig:
    """What to collect; every field but ``workers`` and ``progress`` is recorded in the
    manifest, and a resumed run must match it.

    Attributes:
        env_id: A registered environment id.
        env_kwargs: Arguments of ``gym.make``; ``obs_mode`` is always ``"pixels"``.
        policy: Behaviour policy (or a name for a callable passed to :func:`collect`).
            zero: passive physics (nothing moves unless the env sets initial speeds);
            random: uniform actions; colored: coloured-noise random pushes (correlated in
            time, blind to the scene); pushes: PRIVILEGED, strong pushes aimed using the
            true states (not for fair comparisons).
        episodes: Episodes in this dataset.
        steps: Env steps per episode; each episode stores ``steps + 1`` frames.
        seed: Base seed, from which each episode's env and policy seeds are drawn.
        shard: Part ``i`` of ``n`` (``i/n`` on the command line): disjoint seeds, so
            ``n`` machines make ``n`` datasets that load as one.
        episodes_per_shard: Episodes per shard file (``None``: about 16 MiB of frames).
        workers: Processes collecting whole shards in parallel.
        progress: Show a progress bar.
    """

    env_id: str = "Billiards-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    policy: str = "random"
    episodes: int = 100
    steps: int = 99
    seed: int = 0
    shard: tuple[int, int] = (0, 1)
    episodes_per_shard: int | None = None
    workers: int = 1
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("episodes", "steps", "workers"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        i, n = self.shard
        if not (isinstance(i, int) and isinstance(n, int) and 0 <= i < n):
            raise ValueError(f"shard must be (i, n) with 0 <= i < n, got {self.shard!r}")
        if self.episodes_per_shard is not None and self.episodes_per_shard < 1:
            raise ValueError(f"episodes_per_shard must be >= 1, got {self.episodes_per_shard!r}")
        mode = self.env_kwargs.get("obs_mode", "pixels")
        if mode != "pixels":
            raise ValueError(
                f"collection records pixels; env_kwargs obs_mode={mode!r} "
                "must be 'pixels' or left out"
            )

    def identity(self) -> dict[str, Any]:
        """The fields that define the data (a resumed run must match them)."""
        out = asdict(self)
        del out["workers"], out["progress"]
        out["shard"] = list(self.shard)
        return out


def episode_seeds(seed: int, episode: int) -> tuple[int, np.random.Generator]:
    """The env reset seed and the policy's generator of global episode ``episode``."""
    env_seed = np.random.SeedSequence(seed, spawn_key=(episode, 0)).generate_state(1)[0]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(episode, 1)))
    return int(env_seed), rng


def make_env(config: CollectConfig):
    """The env of ``config`` through ``gym.make``, truncating after ``steps`` steps."""
    import gymnasium as gym

    import vin_gym  # noqa: F401  (registers the environments)
    from vin_gym.registration import check_env_id

    check_env_id(config.env_id)

    kwargs = {k: v for k, v in config.env_kwargs.items() if k != "obs_mode"}
    return gym.make(
        config.env_id, max_episode_steps=config.steps, disable_env_checker=True, **kwargs
    )


def record_episode(
    env,
    policy: Policy,
    seed: int,
    episode: int,
    steps: int,
    buffers: dict[str, np.ndarray],
    row: int,
) -> None:
    """Play one episode of ``steps`` steps, writing it into row ``row`` of ``buffers``
    (arrays as :func:`vin_gym.data.storage.allocate` makes them)."""
    out = {k: v[row] for k, v in buffers.items() if v.ndim > 1}  # this episode's views
    env_seed, rng = episode_seeds(seed, episode)
    obs, info = env.reset(seed=env_seed)
    if hasattr(policy, "reset"):
        policy.reset(obs, info, rng)
    low, high = env.action_space.low, env.action_space.high
    frames, states, actions = out["frames"], out["states"], out["actions"]
    rewards, goals, success = out["rewards"], out["goals"], out["success"]
    for t in range(steps + 1):
        frames[t] = obs
        states[t] = info["states"]
        goals[t] = info["goal"]
        success[t] = info["is_success"]
        if t == steps:
            break
        action = np.clip(policy(obs, info), low, high, out=actions[t])
        obs, reward, _, _, info = env.step(action)  # fixed-length: play past success
        rewards[t] = reward
    actions[steps] = 0.0
    rewards[steps] = 0.0
    if not (np.isfinite(states).all() and np.isfinite(actions).all()):
        raise ValueError(
            f"episode {episode} (env seed {env_seed}) has non-finite states or actions: the "
            "simulation or the policy produced NaN or inf; nothing of its shard was written"
        )
    base = env.unwrapped
    sim = getattr(base, "sim", None)
    out["masses"][...] = info.get("masses", sim.masses if sim is not None else 1.0)
    out["radii"][...] = info.get("radii", sim.radii if sim is not None else 0.0)
    out["visible"][...] = info.get("visible", getattr(base, "visible", True))
    buffers["seeds"][row] = env_seed
    buffers["episodes"][row] = episode


def describe_env(config: CollectConfig) -> dict[str, Any]:
    """The manifest's ``meta``: what a model needs to know about the data."""
    env = make_env(config)
    _, info = env.reset(seed=0)
    base = env.unwrapped
    sim_params = getattr(base, "sim_params", None)
    scene = getattr(base, "scene", None)
    meta = {
        "env_id": config.env_id,
        "env_kwargs": dict(config.env_kwargs),
        "n_objects": int(info["states"].shape[0]),
        "obs_size": int(env.observation_space.shape[0]),
        "action_dim": int(env.action_space.shape[0]),
        "table_size": float(getattr(sim_params, "table_size", 10.0)),
        "dt": float(getattr(sim_params, "dt", 0.1)),
        "max_push": float(getattr(scene, "max_push", 0.0)),
        "show_goal": bool(getattr(scene, "show_goal", False)),
        "background": getattr(getattr(base, "backgrounds", None), "kind", "plain"),
        "render_style": getattr(base, "render_style", "disc"),
        "policy": config.policy,
        "steps": config.steps,
        "seed": config.seed,
        "shard": list(config.shard),
        "physics": physics_fingerprint(config.env_id, **config.env_kwargs),
    }
    env.close()
    return meta


def collect(
    config: CollectConfig, out: str | os.PathLike, policy: Policy | None = None
) -> dict[str, Any]:
    """Collect ``config.episodes`` episodes into the dataset directory ``out``.

    Running it again on the same directory with the same config resumes: complete shards
    are kept, missing or partial ones redone.

    Args:
        config: What to collect.
        out: Dataset directory (created if needed).
        policy: A callable policy to use instead of the one ``config.policy`` names
            (``config.policy`` is then only its recorded name).

    Returns:
        The manifest written to ``out/manifest.json``.

    Raises:
        DatasetError: ``out`` holds a dataset made with a different config.
    """
    if policy is not None and config.policy in ("zero", "random", "pushes"):
        config = replace(config, policy=policy_name(policy))
    meta = describe_env(config)  # makes the env: bad arguments refused before any file
    root = storage.prepare_output_dir(out, "out")
    episode_length = config.steps + 1
    specs = storage.array_specs(
        episode_length, meta["obs_size"], meta["n_objects"], meta["action_dim"]
    )
    per_shard = config.episodes_per_shard or _auto_shard_size(specs)
    config = replace(config, episodes_per_shard=per_shard)
    num_shards = -(-config.episodes // per_shard)
    manifest = {
        "format": storage.FORMAT,
        "version": storage.FORMAT_VERSION,
        "complete": False,
        "config": config.identity(),
        "meta": meta,
        "num_episodes": config.episodes,
        "episode_length": episode_length,
        "num_shards": num_shards,
        "arrays": specs,
        "versions": storage.package_versions(),
        "created": storage.now(),
        "shards": [],
    }
    storage.check_resume(root, manifest)
    storage.remove_temporaries(root)
    storage.write_manifest(root, manifest)

    first = config.shard[0] * config.episodes
    tasks = []
    records: dict[int, dict] = {}
    for s in range(num_shards):
        lo, hi = s * per_shard, min((s + 1) * per_shard, config.episodes)
        record = storage.complete_shard(root, s, hi - lo)
        if record is not None:
            records[s] = record
        else:
            tasks.append((s, first + lo, hi - lo))
    done_frames = (config.episodes - sum(t[2] for t in tasks)) * episode_length
    bar = _progress(config, done_frames, config.episodes * episode_length)
    job = (config, str(root), specs, policy)
    if config.workers == 1 or len(tasks) <= 1:
        _init_worker(job, None)
        for task in tasks:
            s, record = _collect_shard(task, bar)
            records[s] = record
    else:
        _run_pool(job, tasks, records, bar)
    if bar is not None:
        bar.close()
    manifest["shards"] = [records[s] for s in range(num_shards)]
    manifest["complete"] = True
    storage.write_manifest(root, manifest)
    return manifest


def _auto_shard_size(specs: dict[str, dict]) -> int:
    frame_bytes = int(np.prod(specs["frames"]["shape"]))
    return max(1, min(1000, SHARD_BYTES // frame_bytes))


def _progress(config: CollectConfig, initial: int, total: int):
    if not config.progress:
        return None
    from vin_gym.utils import progress_bar

    return progress_bar(
        total=total,
        initial=initial,
        unit="frame",
        unit_scale=True,
        desc=f"collect {config.env_id}",
        smoothing=0.1,
    )


# -- workers ----------------------------------------------------------------------------
_JOB: dict[str, Any] = {}


def _init_worker(job: tuple, progress: Any) -> None:
    config, root, specs, policy = job
    env = make_env(config)
    _JOB.update(
        config=config,
        root=Path(root),
        specs=specs,
        env=env,
        progress=progress,
        policy=policy
        if policy is not None
        else make_policy(config.policy, int(env.action_space.shape[0])),
    )


def _collect_shard(task: tuple[int, int, int], bar: Any = None) -> tuple[int, dict]:
    """Collect and write shard ``task = (index, first episode, episodes)``."""
    index, first, count = task
    config, env, policy = _JOB["config"], _JOB["env"], _JOB["policy"]
    buffers = storage.allocate(_JOB["specs"], count)
    frames = config.steps + 1
    for j in range(count):
        record_episode(env, policy, config.seed, first + j, config.steps, buffers, j)
        if bar is not None:
            bar.update(frames)
        elif _JOB["progress"] is not None:
            _JOB["progress"].put(frames)
    return index, storage.write_shard(_JOB["root"], index, buffers)


def _run_pool(job: tuple, tasks: list, records: dict[int, dict], bar: Any) -> None:
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    progress = ctx.Queue()
    workers = min(job[0].workers, len(tasks))
    with ctx.Pool(workers, initializer=_init_worker, initargs=(job, progress)) as pool:
        pending = [pool.apply_async(_collect_shard, (t,)) for t in tasks]
        while pending:
            try:
                n = progress.get(timeout=0.1)
                if bar is not None:
                    bar.update(n)
            except queue.Empty:
                pass
            for result in [r for r in pending if r.ready()]:
                pending.remove(result)
                s, record = result.get()  # re-raises a worker's exception
                records[s] = record
        while True:  # the last counts
            try:
                n = progress.get_nowait()
            except queue.Empty:
                break
            if bar is not None:
                bar.update(n)
