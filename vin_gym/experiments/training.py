"""Training a VIN on datasets on disk: the one place a training run is assembled.

:func:`train_config` builds the :class:`~vin_model.training.TrainConfig` of every caller
(``vin-gym train``, the comparison's and the demo's pipeline, online learning), and
:func:`train_on_data` opens the datasets' clips with their train/validation split, builds
the model's config from the data, records where the data came from and trains.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vin_model import VIN
    from vin_model.training import TrainConfig

#: Context frames a VIN reads (the paper's six).
VISIBLE = 6
#: VINConfig fields that come from the data (and the context frames, fixed above).
DATA_FIELDS = ("n_objects", "frame_size", "action_dim", "visible")
#: Run settings that choose where and how a run runs, never what it computes (a resumed
#: run may change them; set by ``--device``, ``--threads`` and ``--no-progress``).
RUNTIME_FIELDS = ("device", "threads", "progress")


def train_config(**fields: Any) -> TrainConfig:
    """A ``TrainConfig`` from ``fields``, its defaults for the rest; the rollout
    curriculum starts at ``min(8, rollout_max)`` unless ``rollout_start`` is given."""
    from vin_model.training import TrainConfig

    if "rollout_start" not in fields and "rollout_max" in fields:
        fields["rollout_start"] = min(TrainConfig.rollout_start, fields["rollout_max"])
    return TrainConfig(**fields)


def model_settings(
    model: dict[str, Any] | None, init: str | os.PathLike | None = None
) -> dict[str, Any]:
    """The VIN settings a run builds its model with: those of the checkpoint ``init``
    (a path or ``"pretrained"``; its data's sizes left to the data), ``model`` overriding
    them; ``model`` alone without ``init``."""
    if init is None:
        return dict(model or {})
    from vin_gym.experiments.models import checkpoint_path
    from vin_model.checkpoint import read_config
    from vin_model.config import VINConfig

    found = VINConfig.from_dict(read_config(checkpoint_path(str(init), "init"))["model"])
    return {k: v for k, v in found.to_dict().items() if k not in DATA_FIELDS} | (model or {})


def train_on_data(
    data: Sequence[str | os.PathLike],
    run_dir: str | os.PathLike,
    train: TrainConfig,
    model: dict[str, Any] | None = None,
    val_fraction: float = 0.1,
    resume: bool | None = None,
    allow_changes: bool = False,
    stop_at: int | None = None,
    data_names: Sequence[str] | None = None,
    record_split: bool = True,
    init: str | os.PathLike | None = None,
) -> tuple[VIN, dict[str, Any]]:
    """Train a VIN on the datasets ``data`` (read as one) into ``run_dir``.

    Args:
        data: Dataset directories (``vin-gym collect``'s format).
        run_dir: Where checkpoints and TensorBoard events go.
        train: The training settings (``train.seed`` also draws the split).
        model: ``VINConfig`` fields to override (objects, frame size and action size come
            from the data).
        val_fraction: Episodes held out for validation (0: none).
        resume: Continue the run's newest checkpoint (``None``: when it has one).
        allow_changes: Accept changed settings on resume, recording them.
        stop_at: Stop after this step (the schedules still span ``train.steps``).
        data_names: How the checkpoint records the datasets (default: their paths).
        record_split: Record the held-out episodes in the checkpoint, so that
            ``vin-gym evaluate`` scores them.
        init: Fine-tune from this checkpoint's weights (``"pretrained"``: the shipped
            VIN), its model config taking the place of ``model``.

    Returns:
        The model and the training summary.
    """
    from vin_model.checkpoint import list_checkpoints
    from vin_model.config import VINConfig
    from vin_model.training import fit, open_clips, split_record

    split = (val_fraction, train.seed)
    train_clips = open_clips(data, VISIBLE, train.rollout_max, "train", *split)
    val_clips = (
        open_clips(data, VISIBLE, train.rollout_max, "val", *split) if val_fraction > 0 else None
    )
    meta = train_clips.meta
    if init is not None:
        from vin_gym.experiments.models import checkpoint_path

        init = checkpoint_path(str(init), "init")
    model_cfg = VINConfig.for_data(meta, visible=VISIBLE, **model_settings(model, init))
    extra: dict[str, Any] = {
        "data": list(data_names) if data_names is not None else [str(d) for d in data],
        "meta": {k: v for k, v in meta.items() if k != "sources"},
    }
    if record_split:
        extra["split"] = split_record(train_clips, *split)
    run_dir = Path(run_dir)
    return fit(
        run_dir,
        train_clips,
        val_clips if val_clips is not None and len(val_clips) else None,
        model_cfg,
        train,
        resume=bool(list_checkpoints(run_dir)) if resume is None else resume,
        extra=extra,
        allow_changes=allow_changes,
        stop_at=stop_at,
        init=init,
    )
