"""The presenter secret: comparing tokens, keeping the secret, deriving cookie keys."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from presenter.auth import SECRET_FILE, cookie_secret, load_or_create_secret, token_matches


def test_token_matches_the_secret() -> None:
    assert token_matches("s3cret", "s3cret") is True


@pytest.mark.parametrize("token", ["wrong", "s3cre", "s3cret ", "S3CRET", "s3cret\x00", "é"])
def test_token_does_not_match(token: str) -> None:
    assert token_matches("s3cret", token) is False


@pytest.mark.parametrize("token", ["", None])
def test_empty_or_missing_token_never_matches(token: str | None) -> None:
    assert token_matches("s3cret", token) is False
    assert token_matches("", token) is False


def test_secret_is_created_with_mode_0600(tmp_path: Path) -> None:
    secret = load_or_create_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert len(secret) >= 20
    assert path.read_text(encoding="utf-8").strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_secret_is_the_same_next_time(tmp_path: Path) -> None:
    assert load_or_create_secret(tmp_path) == load_or_create_secret(tmp_path)


def test_secrets_differ_between_state_dirs(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert load_or_create_secret(tmp_path / "a") != load_or_create_secret(tmp_path / "b")


def test_an_existing_secret_file_is_used(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("chosen-secret\n", encoding="utf-8")
    assert load_or_create_secret(tmp_path) == "chosen-secret"


def test_an_empty_secret_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("\n", encoding="utf-8")
    secret = load_or_create_secret(tmp_path)
    assert secret
    assert (tmp_path / SECRET_FILE).read_text(encoding="utf-8").strip() == secret


def test_missing_state_dir_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        load_or_create_secret(tmp_path / "missing")


def test_cookie_secret_is_stable_and_depends_on_the_secret() -> None:
    assert cookie_secret("one") == cookie_secret("one")
    assert cookie_secret("one") != cookie_secret("two")
    assert "one" not in cookie_secret("one")
