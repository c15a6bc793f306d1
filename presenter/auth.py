"""The presenter secret: where it comes from and how it is checked."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_FILE = "secret"
COOKIE_NAME = "presenter_auth"
VOTER_COOKIE = "presenter_voter"
MIN_SECRET_LENGTH = 16


def weak_secret(secret: str) -> str | None:
    """Why ``secret`` is too weak to protect the presenter pages, or ``None``."""
    if len(secret) < MIN_SECRET_LENGTH:
        return (
            f"the presenter secret must be at least {MIN_SECRET_LENGTH} characters "
            f"(this one has {len(secret)}); leave it out to have a strong one generated"
        )
    return None


def read_secret(state_dir: Path) -> str:
    """The secret kept in ``state_dir``.

    Raises:
        OSError: there is none, or it cannot be read.
    """
    secret = (state_dir / SECRET_FILE).read_text(encoding="utf-8").strip()
    if not secret:
        raise FileNotFoundError(state_dir / SECRET_FILE)
    return secret


def load_or_create_secret(state_dir: Path) -> str:
    """Read the secret kept in ``state_dir``, creating it (mode 0600) on first use.

    Raises:
        OSError: the state dir cannot be read or written.
    """
    path = state_dir / SECRET_FILE
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    secret = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


def token_matches(secret: str, token: str | None) -> bool:
    """Compare a token to the secret in constant time; any string is a valid guess."""
    if not token:
        return False
    # JSON can carry lone surrogates ("\ud800"), which strict UTF-8 cannot encode.
    guess = token.encode("utf-8", "surrogatepass")
    return hmac.compare_digest(guess, secret.encode("utf-8"))


def cookie_secret(secret: str) -> str:
    """The key that signs presenter cookies, derived so a new secret voids old cookies."""
    return hmac.new(secret.encode("utf-8"), b"presenter cookie v1", hashlib.sha256).hexdigest()


def new_voter() -> str:
    """A fresh voter id (random, 128 bits)."""
    return "v" + secrets.token_urlsafe(16)


def voter_of(cookie: bytes | None) -> str | None:
    """The voter id a verified ``presenter_voter`` cookie holds, or ``None``."""
    if cookie is None:
        return None
    try:
        voter = cookie.decode("ascii")
    except UnicodeDecodeError:
        return None
    return voter if 2 <= len(voter) <= 40 and voter.startswith("v") else None
