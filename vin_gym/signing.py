"""Signatures for the files the project loads with pickle (SB3's zip and replay buffer).

An SB3 model zip holds cloudpickle entries and a replay buffer is a pickle: loading one
runs whatever code it names. The project signs each such file it writes with an
HMAC-SHA256 under a per-user secret key (``FILE.sig`` beside it), and refuses to load
one whose signature is missing or wrong, as Jupyter trusts only the notebooks its user
signed. A checksum alone would not do: whoever edits the file can edit the checksum;
without the key, nobody can forge the signature.

The key lives in ``$VIN_GYM_KEY_FILE``, else ``~/.config/vin-gym/signing.key``, made on
first use (32 random bytes, mode 0600).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from vin_gym.utils import atomic_write_bytes

#: The environment variable naming the key file.
KEY_ENV = "VIN_GYM_KEY_FILE"
#: The suffix of a signature file (``model.zip`` -> ``model.zip.sig``).
SIG_SUFFIX = ".sig"
_KEY_BYTES = 32


class UntrustedFile(ValueError):
    """A pickle-backed file without a valid signature of this user (exit 2)."""


def key_path() -> Path:
    """Where the signing key is (``$VIN_GYM_KEY_FILE``, else the user's config dir)."""
    explicit = os.environ.get(KEY_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return Path.home() / ".config" / "vin-gym" / "signing.key"


def signing_key() -> bytes:
    """The user's secret key, made (32 random bytes, mode 0600) if there is none yet."""
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(_KEY_BYTES))
    key = path.read_bytes()
    if len(key) < _KEY_BYTES:
        raise ValueError(
            f"the signing key {path} is shorter than {_KEY_BYTES} bytes; delete it to make a "
            "new one (files signed with it will then need re-signing)"
        )
    return key


def signature_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_name(path.name + SIG_SUFFIX)


def file_signature(path: str | os.PathLike, key: bytes | None = None) -> str:
    """The HMAC-SHA256 of the file's bytes under ``key`` (the user's key), in hex."""
    mac = hmac.new(signing_key() if key is None else key, digestmod=hashlib.sha256)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            mac.update(block)
    return mac.hexdigest()


def sign_file(path: str | os.PathLike) -> Path:
    """Write ``path``'s signature to ``path.sig`` (atomically); return that path."""
    return atomic_write_bytes(signature_path(path), (file_signature(path) + "\n").encode())


def verify_file(path: str | os.PathLike) -> None:
    """Check ``path`` against its signature before anything unpickles it.

    Raises:
        UntrustedFile: The signature is missing, or does not match the file under this
            user's key (the file was changed, or comes from elsewhere).
    """
    path, sig = Path(path), signature_path(path)
    why = None
    if not sig.is_file():
        why = f"it has no signature ({sig.name} is missing)"
    else:
        recorded = sig.read_text(errors="replace").strip()
        if not hmac.compare_digest(recorded.encode(), file_signature(path).encode()):
            why = f"its signature {sig.name} does not match it under your key"
    if why is not None:
        raise UntrustedFile(
            f"refusing to load {path}: {why}. It may come from elsewhere or have been "
            "changed, and loading it would run any code it holds (pickle). If you trust "
            "it, re-sign it with `python -m vin_gym.signing FILE`; else start a new run "
            "without --resume"
        )


def main(argv: list[str] | None = None) -> int:
    """``python -m vin_gym.signing FILE...``: sign files you trust."""
    import sys

    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m vin_gym.signing FILE [FILE ...]", file=sys.stderr)
        return 2
    for p in paths:
        print(f"signed {p} -> {sign_file(p)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
