"""Export a vin-gym dataset as a Minari dataset, the format offline RL libraries read.

Minari is an optional extra (``pip install 'vin-gym[minari]'``). Episode ``e`` of the
source (:mod:`vin_gym.data.storage`, ``F = T + 1`` frames of ``T`` steps) becomes Minari
episode ``e``:

=============  ===================================================================
observations   the frames as stored, ``(F, H, W, 3)`` uint8 (lossless: Minari's
               JPEG encoding is turned off)
actions        ``actions[:T]``: action ``t`` was applied after frame ``t``
rewards        the env task's reward (:class:`vin_gym.task.GoalTask`, taken from the
               env itself) of the state after each step: ``task.reward(states[1:],
               goals[1:])``
terminations   ``task.success(states[1:], goals[1:])``: the env's ``terminated``
truncations    ``True`` at the last step (the time limit), else ``False``
infos          per frame, like the env's ``info``: ``states`` ``(F, N, 4)`` (x, y,
               vx, vy), ``goal`` ``(F, 2)``, ``is_success`` ``(F,)``, and the
               episode's ``masses``, ``radii`` and ``visible`` ``(F, N)``
seed           the seed the episode's env was reset with
=============  ===================================================================

``vin-gym collect`` plays every episode to its full length, past success, so an episode
may hold ``terminations[t] == True`` before its last step (every transition stays
correct: ``terminations[t]`` says whether the state after step ``t`` is a goal state).
``stop_at_success=True`` ends each episode at its first success instead, as the env
would.

Minari's metadata records the env (an ``EnvSpec`` with the env kwargs and a time limit of
``T`` steps, so ``dataset.recover_environment()`` makes it), the policy as
``algorithm_name``, ``vin-gym==VERSION`` as a requirement, and under ``"vin_gym"`` the
env id and kwargs, the policy, the task, and each source's physics fingerprint and
manifest sha256.

Minari keeps datasets under a root directory (``MINARI_DATASETS_PATH``, else
``~/.minari/datasets``); :func:`export_minari` takes it as ``root``. The dataset is built
in a hidden temporary directory under the root and renamed into place, so a failed
export leaves nothing that blocks a retry under the same name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from vin_gym.data import storage
from vin_gym.data.dataset import EpisodeDataset, open_dataset
from vin_gym.data.minari_episodes import minari_episodes
from vin_gym.data.storage import DatasetError
from vin_gym.extras import MissingExtraError
from vin_gym.utils import progress_bar

#: Oldest Minari that can store image observations losslessly (``jpeg_encoding``).
MINARI_MIN_VERSION = "0.5.4"
INSTALL_HINT = "pip install 'vin-gym[minari]'"
#: The environment variable Minari reads its datasets root from.
ROOT_ENV = "MINARI_DATASETS_PATH"
#: Episodes handed to Minari per call, to bound memory on large datasets.
EPISODES_PER_WRITE = 32


def require_minari() -> Any:
    """Import ``minari`` (with its HDF5 backend), or raise :class:`MissingExtraError`
    naming the extra to install."""
    try:
        import h5py  # noqa: F401  (Minari's default storage backend)
        import minari
    except ImportError as exc:
        raise MissingExtraError(
            f"exporting to Minari needs minari and h5py ({exc.name or exc} is missing): "
            f"{INSTALL_HINT}",
            "minari",
        ) from None
    from packaging.version import Version

    if Version(minari.__version__) < Version(MINARI_MIN_VERSION):
        raise MissingExtraError(
            f"exporting to Minari needs minari>={MINARI_MIN_VERSION} (lossless image "
            f"storage), found {minari.__version__}: {INSTALL_HINT}",
            "minari",
            detail=f"minari>={MINARI_MIN_VERSION}, found {minari.__version__}",
        )
    return minari


def check_dataset_id(dataset_id: str) -> tuple[str | None, str, int]:
    """Check a Minari dataset id, ``(namespace/)name-vVERSION``.

    Returns:
        ``(namespace, name, version)`` as Minari parses them.

    Raises:
        ValueError: naming the id and the expected form.
    """
    require_minari()
    from minari.dataset.minari_dataset import parse_dataset_id

    try:
        parsed = parse_dataset_id(dataset_id)
    except (ValueError, TypeError):
        parsed = None
    if parsed is None or not re.fullmatch(r"[\w/-]+", dataset_id):
        raise ValueError(
            f"{dataset_id!r} is not a Minari dataset name: expected (namespace/)name-vN, "
            "e.g. vin-gym/billiards/random-v0 (letters, digits, '-' and '_'; namespaces "
            "separated by '/'; a version -vN at the end)"
        )
    return parsed


def default_root() -> Path:
    """Minari's datasets root: ``$MINARI_DATASETS_PATH``, else ``~/.minari/datasets``."""
    env = os.environ.get(ROOT_ENV)
    return Path(env) if env else Path.home() / ".minari" / "datasets"


def manifest_sha256(root: str | os.PathLike) -> str:
    """The sha256 of a dataset's ``manifest.json`` (which lists every shard's sha256)."""
    return hashlib.sha256((Path(root) / storage.MANIFEST).read_bytes()).hexdigest()


def export_minari(
    sources: str | os.PathLike | Sequence[str | os.PathLike],
    dataset_id: str,
    root: str | os.PathLike | None = None,
    *,
    stop_at_success: bool = False,
    author: str | None = None,
    author_email: str | None = None,
    code_permalink: str | None = None,
    description: str | None = None,
) -> Any:
    """Write vin-gym dataset(s) as the Minari dataset ``dataset_id``.

    Args:
        sources: A dataset directory, or several read as one (see
            :func:`vin_gym.data.open_dataset`); checksums are verified.
        dataset_id: Minari name, ``(namespace/)name-vN``, e.g.
            ``"vin-gym/billiards/random-v0"``.
        root: Minari's datasets root (default :func:`default_root`); the dataset goes to
            ``root/dataset_id``.
        stop_at_success: End each episode at its first success (see the module docstring).
        author: Recorded in Minari's metadata.
        author_email: Recorded in Minari's metadata.
        code_permalink: Recorded in Minari's metadata.
        description: Minari's description (default: one written from the manifest).

    Returns:
        The new ``minari.MinariDataset``.

    Raises:
        MissingExtraError: Minari is not installed.
        ValueError: A bad ``dataset_id``, or a dataset of that id already exists under
            ``root``.
        DatasetError: A source is missing, damaged, has no goal or disagrees with the task.

    >>> import tempfile
    >>> from vin_gym.data import CollectConfig, collect
    >>> src, root = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> _ = collect(CollectConfig("Billiards-v0", {"obs_size": 32}, policy="random",
    ...                           episodes=2, steps=5, progress=False), src)
    >>> ds = export_minari(src, "vin-gym/billiards/random-v0", root)
    >>> ds.total_episodes, ds.total_steps, ds[0].observations.shape
    (2, 10, (6, 32, 32, 3))
    """
    minari = require_minari()
    check_dataset_id(dataset_id)  # a bad id is refused before any work
    # absolute: Minari builds some of its paths wrongly from a relative root
    root = (Path(root) if root is not None else default_root()).absolute()
    final = root / dataset_id
    if final.exists():
        raise ValueError(
            f"a Minari dataset {dataset_id!r} already exists at {final}; choose another "
            "name or version (-vN), or delete it with `minari delete` first"
        )
    dataset = open_dataset(sources)
    meta = dataset.meta
    if any(m["meta"].get("has_goal") is False for m in dataset.manifests):
        raise DatasetError(
            f"{sources} has no goal (imported with `vin-gym import-mat`?): rewards and "
            "terminations are undefined; export a dataset made by `vin-gym collect`"
        )
    env_id, env_kwargs = meta["env_id"], dict(meta.get("env_kwargs", {}))
    spec, task, observation_space, action_space = _env_parts(env_id, env_kwargs, dataset)
    vin_gym_meta = _provenance(dataset, env_id, env_kwargs, task, stop_at_success)
    if description is None:
        description = _description(dataset, env_id, env_kwargs, stop_at_success)

    storage.prepare_output_dir(root, "root")
    create = {
        "env": spec,
        "algorithm_name": str(meta.get("policy", "unknown")),
        "author": author,
        "author_email": author_email,
        "code_permalink": code_permalink,
        "action_space": action_space,
        "observation_space": observation_space,
        "description": description,
        "requirements": [f"vin-gym=={_version()}"],
        "data_format": "hdf5",
        "jpeg_encoding": False,
    }
    episodes = minari_episodes(dataset, task, stop_at_success)
    _build(minari, episodes, dataset.num_episodes, dataset_id, root, create, vin_gym_meta)
    return minari.MinariDataset(final / "data")


def _build(
    minari: Any,
    episodes: Iterator[dict[str, Any]],
    count: int,
    dataset_id: str,
    root: Path,
    create: dict[str, Any],
    vin_gym_meta: dict[str, Any],
) -> None:
    """Write ``episodes`` as the Minari dataset ``root/dataset_id``: built in a hidden
    temporary directory under ``root`` (Minari's ``create_dataset_from_buffers`` with
    ``create``, then batches of :data:`EPISODES_PER_WRITE`) and renamed into place."""
    namespace, _, _ = check_dataset_id(dataset_id)
    final = root / dataset_id
    tmp = Path(tempfile.mkdtemp(prefix=".vin-gym-export-", dir=root))
    try:
        episodes = iter(progress_bar(episodes, total=count, desc=f"export {dataset_id}", unit="ep"))
        with _datasets_root(tmp), warnings.catch_warnings():
            # Minari warns about every metadata field left out (eval_env, author, ...).
            warnings.filterwarnings(
                "ignore", message=r".*(is set to None|is None)", module="minari"
            )
            out = minari.create_dataset_from_buffers(
                dataset_id, _buffers(minari, episodes, EPISODES_PER_WRITE), **create
            )
            while batch := _buffers(minari, episodes, EPISODES_PER_WRITE):
                out.update_dataset_from_buffer(batch)
            out.storage.update_metadata({"vin_gym": vin_gym_meta})
        with _datasets_root(root):
            if namespace is not None:
                from minari.namespace import create_namespace, list_local_namespaces

                if namespace not in list_local_namespaces():
                    create_namespace(namespace)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / dataset_id, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _buffers(minari: Any, episodes: Iterator[dict[str, Any]], count: int) -> list:
    """The next ``count`` episodes (fewer at the end) as ``EpisodeBuffer``s."""
    from minari.data_collector import EpisodeBuffer

    return [EpisodeBuffer(**ep) for ep in itertools.islice(episodes, count)]


def _env_parts(
    env_id: str, env_kwargs: dict[str, Any], dataset: EpisodeDataset
) -> tuple[Any, Any, Any, Any]:
    """The env's spec (kwargs and time limit filled in), task and spaces; the frames must
    fit its observation space."""
    import gymnasium as gym

    import vin_gym  # noqa: F401  (registers the environments)
    from vin_gym.registration import check_env_id

    check_env_id(env_id)
    kwargs = {k: v for k, v in env_kwargs.items() if k != "obs_mode"}
    steps = dataset.episode_length - 1
    spec = dataclasses.replace(
        gym.spec(env_id), kwargs={**gym.spec(env_id).kwargs, **kwargs}, max_episode_steps=steps
    )
    env = gym.make(spec, disable_env_checker=True)
    try:
        task = getattr(env.unwrapped, "task", None)
        if task is None:
            raise DatasetError(f"{env_id} has no goal task: its rewards cannot be recomputed")
        observation_space, action_space = env.observation_space, env.action_space
    finally:
        env.close()
    frames = tuple(dataset.manifests[0]["arrays"]["frames"]["shape"][1:])
    actions = tuple(dataset.manifests[0]["arrays"]["actions"]["shape"][1:])
    if frames != observation_space.shape or actions != action_space.shape:
        raise DatasetError(
            f"the dataset holds frames {frames} and actions {actions}, but {env_id} with "
            f"{env_kwargs} observes {observation_space.shape} and acts "
            f"{action_space.shape}"
        )
    return spec, task, observation_space, action_space


def _provenance(
    dataset: EpisodeDataset,
    env_id: str,
    env_kwargs: dict[str, Any],
    task: Any,
    stop_at_success: bool,
) -> dict[str, Any]:
    """What the Minari metadata's ``"vin_gym"`` entry records."""
    return {
        "version": _version(),
        "env_id": env_id,
        "env_kwargs": env_kwargs,
        "policy": dataset.meta.get("policy"),
        "task": dataclasses.asdict(task) if dataclasses.is_dataclass(task) else repr(task),
        "stop_at_success": stop_at_success,
        "episode_length": dataset.episode_length,
        "sources": [
            {
                "name": root.name,
                "num_episodes": manifest["num_episodes"],
                "physics": manifest["meta"].get("physics"),
                "manifest_sha256": manifest_sha256(root),
                "config": manifest.get("config"),
                "created": manifest.get("created"),
            }
            for root, manifest in zip(dataset.roots, dataset.manifests, strict=True)
        ],
    }


def _description(
    dataset: EpisodeDataset, env_id: str, env_kwargs: dict[str, Any], stop_at_success: bool
) -> str:
    size = dataset.manifests[0]["arrays"]["frames"]["shape"][1]
    end = "first success" if stop_at_success else f"{dataset.episode_length - 1} steps"
    return (
        f"{dataset.num_episodes} episodes of vin-gym's {env_id} ({env_kwargs}) under the "
        f"{dataset.meta.get('policy')!r} policy, each until its {end}. Observations are "
        f"{size}x{size} RGB frames; rewards and terminations are the env task's; infos hold "
        "the true states (x, y, vx, vy per object), the goal and the success flag."
    )


def _version() -> str:
    import vin_gym

    return vin_gym.__version__


@contextlib.contextmanager
def _datasets_root(path: Path) -> Iterator[None]:
    """Point Minari at ``path`` (it reads ``MINARI_DATASETS_PATH`` on every call)."""
    old = os.environ.get(ROOT_ENV)
    os.environ[ROOT_ENV] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(ROOT_ENV, None)
        else:
            os.environ[ROOT_ENV] = old
