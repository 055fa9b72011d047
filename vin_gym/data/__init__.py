"""Datasets: collect episodes, store them as sharded ``.npy`` files, read clips back.

* :func:`collect` / :class:`CollectConfig`: episodes under a policy, in parallel workers.
* :func:`open_dataset`: one or several dataset directories as one sequence of episodes.
* :class:`ClipDataset`: a torch ``Dataset`` of training clips (imports torch on first use).
* :func:`import_mat`: the seed's ``.mat`` files in this format.

The format itself is described in :mod:`vin_gym.data.storage`.
"""

from __future__ import annotations

from typing import Any

from vin_gym.data.collection import CollectConfig, collect
from vin_gym.data.dataset import EpisodeDataset, open_dataset
from vin_gym.data.policies import POLICIES, PushesConfig, PushesPolicy, make_policy
from vin_gym.data.storage import DatasetError
from vin_gym.data.verification import verify_dataset

__all__ = [
    "POLICIES",
    "ClipDataset",
    "CollectConfig",
    "DatasetError",
    "EpisodeDataset",
    "PushesConfig",
    "PushesPolicy",
    "collect",
    "import_mat",
    "make_policy",
    "open_dataset",
    "split_episodes",
    "verify_dataset",
]


def __getattr__(name: str) -> Any:
    # torch and scipy load only when the clip dataset or the importer is used.
    if name in ("ClipDataset", "split_episodes"):
        from vin_gym.data import clips

        return getattr(clips, name)
    if name == "import_mat":
        from vin_gym.data.mat import import_mat

        return import_mat
    raise AttributeError(f"module 'vin_gym.data' has no attribute {name!r}")
