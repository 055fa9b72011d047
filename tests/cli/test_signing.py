"""Signed pickles: SB3 zips and replay buffers load only with this user's signature."""

from __future__ import annotations

import base64
import io
import json
import os
import pickle
import shutil
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from vin_gym.signing import (
    KEY_ENV,
    UntrustedFile,
    key_path,
    sign_file,
    signature_path,
    signing_key,
    verify_file,
)


class _Marker:
    """Unpickling this creates ``path``: what a crafted file's code could do."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_the_tests_never_use_the_users_key():
    assert os.environ[KEY_ENV] and key_path() == Path(os.environ[KEY_ENV])


def test_the_key_is_made_once_private_and_random(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "conf" / "signing.key"))
    key = signing_key()
    assert len(key) == 32 and signing_key() == key
    assert stat.S_IMODE((tmp_path / "conf" / "signing.key").stat().st_mode) == 0o600
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "other.key"))
    assert signing_key() != key


def test_sign_then_verify_and_refuse_changes(tmp_path, monkeypatch):
    path = tmp_path / "latest.zip"
    path.write_bytes(b"payload")
    with pytest.raises(UntrustedFile, match=r"no signature.*would run"):
        verify_file(path)
    assert sign_file(path) == signature_path(path) == tmp_path / "latest.zip.sig"
    verify_file(path)
    path.write_bytes(b"payload, edited")
    with pytest.raises(UntrustedFile, match="does not match"):
        verify_file(path)
    sign_file(path)
    verify_file(path)
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "someone-else.key"))  # from elsewhere
    with pytest.raises(UntrustedFile, match="may come from elsewhere"):
        verify_file(path)


def test_sign_a_trusted_file_from_the_command_line(tmp_path, capsys):
    from vin_gym.signing import main as sign_main

    path = tmp_path / "model.zip"
    path.write_bytes(b"trusted")
    assert sign_main([str(path)]) == 0
    verify_file(path)
    assert sign_main([]) == 2


# -- baseline --resume ------------------------------------------------------------------------
sb3 = pytest.importorskip("stable_baselines3")

from vin_gym.baselines import BaselineConfig, train_baseline  # noqa: E402
from vin_gym.cli import main  # noqa: E402


def _sac_run(tmp_path: Path) -> BaselineConfig:
    cfg = BaselineConfig(
        algo="sac",
        obs="state",
        timesteps=60,
        seed=0,
        out=tmp_path / "run",
        eval_at=(),
        eval_episodes=1,
        progress=False,
        hyperparams={"learning_starts": 20, "batch_size": 8},
    )
    train_baseline(cfg)
    return cfg


def _resume_command(cfg: BaselineConfig, timesteps: int) -> list[str]:
    return [
        *("baseline", "--algo", "sac", "--obs", "state", "--out", str(cfg.out)),
        *("--timesteps", str(timesteps), "--eval-freq", "1000", "--eval-episodes", "1"),
        *("--hp", "learning_starts=20", "--hp", "batch_size=8", "--no-progress", "--resume"),
    ]


def _crafted_zip(real: Path, marker: Path) -> bytes:
    """``real`` with its policy class replaced by a pickle that creates ``marker``."""
    out = io.BytesIO()
    with zipfile.ZipFile(real) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "data":
                record = json.loads(data)
                payload = base64.b64encode(pickle.dumps(_Marker(marker))).decode()
                record["policy_class"][":serialized:"] = payload
                data = json.dumps(record).encode()
            dst.writestr(item, data)
    return out.getvalue()


def test_a_crafted_pickle_in_a_run_is_refused_and_never_runs(tmp_path, capsys):
    cfg = _sac_run(tmp_path)
    ckpt = cfg.out / "checkpoints"
    latest, buffer = ckpt / "latest.zip", ckpt / "latest_replay_buffer.pkl"
    assert signature_path(latest).is_file() and signature_path(buffer).is_file()
    assert signature_path(cfg.out / "model.zip").is_file()
    good_latest, good_buffer = latest.read_bytes(), buffer.read_bytes()
    marker = tmp_path / "pwned"

    # a replay buffer that runs code when unpickled (its old signature left beside it)
    buffer.write_bytes(pickle.dumps(_Marker(marker)))
    assert main(_resume_command(cfg, 80)) == 2
    err = capsys.readouterr().err
    assert "latest_replay_buffer.pkl" in err and "would run" in err
    assert not marker.exists()
    buffer.write_bytes(good_buffer)

    # a model zip whose policy class runs code, with no signature at all
    latest.write_bytes(_crafted_zip(ckpt / "latest.zip", marker))
    signature_path(latest).unlink()
    assert main(_resume_command(cfg, 80)) == 2
    assert "no signature" in capsys.readouterr().err
    assert not marker.exists()

    # the run's own files, signed by this user, resume
    latest.write_bytes(good_latest)
    sign_file(latest)
    assert main(_resume_command(cfg, 80)) == 0, capsys.readouterr().err
    assert json.loads((cfg.out / "summary.json").read_text())["resumed_from"] == [60]
    assert not marker.exists()


def test_a_run_copied_from_elsewhere_is_refused(tmp_path, monkeypatch, capsys):
    cfg = _sac_run(tmp_path)
    mine = tmp_path / "copy"
    shutil.copytree(cfg.out, mine)
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "another-user.key"))
    with pytest.raises(UntrustedFile, match="may come from elsewhere"):
        train_baseline(replace(cfg, out=mine, timesteps=80), resume=True)
