"""``python -m presenter``: version, and user errors as one ``error:`` line."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

import presenter
from tests.helpers import SECRET, write_decks

from .support import assert_one_error, run_cli


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert presenter.__version__ in result.stdout
    assert re.search(r"\d+\.\d+", result.stdout)


def test_help_lists_serve() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    line = assert_one_error(run_cli("serve", str(missing), "--port", "0"))
    assert "no-such-folder" in line
    assert not missing.exists()


def test_path_without_a_deck(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a deck", encoding="utf-8")
    line = assert_one_error(run_cli("serve", str(empty), "--port", "0"))
    assert "empty" in line
    assert "deck" in line.lower()


def test_path_is_a_file(tmp_path: Path) -> None:
    file = tmp_path / "slides.txt"
    file.write_text("x", encoding="utf-8")
    assert_one_error(run_cli("serve", str(file), "--port", "0"))


def test_port_in_use(tmp_path: Path) -> None:
    decks = write_decks(tmp_path / "decks")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            "serve",
            str(decks),
            "--port",
            str(port),
            "--secret",
            SECRET,
            "--state-dir",
            str(tmp_path / "state"),
        )
    line = assert_one_error(result)
    assert str(port) in line
    assert SECRET not in result.stdout + result.stderr


def test_state_dir_not_writable(tmp_path: Path) -> None:
    decks = write_decks(tmp_path / "decks")
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = run_cli(
        "serve", str(decks), "--port", "0", "--state-dir", str(blocker / "sub"), "--secret", SECRET
    )
    line = assert_one_error(result)
    assert "a-file" in line
    # Without --secret the secret would be created in the state dir: same clear error.
    line = assert_one_error(
        run_cli("serve", str(decks), "--port", "0", "--state-dir", str(blocker / "sub"))
    )
    assert "a-file" in line


@pytest.mark.parametrize(
    ("source", "line_number"),
    [
        pytest.param("---\ntitle: ok\n  bad: indent: x\n---\n# x\n", 3, id="bad-mapping"),
        pytest.param("---\ntitle: ok\nrevealOptions: [unclosed\n---\n# x\n", None, id="unclosed"),
        pytest.param("---\ntitle: ok\n# never closed\n", None, id="no-end"),
    ],
)
def test_broken_front_matter_names_the_line(
    tmp_path: Path, source: str, line_number: int | None
) -> None:
    deck = tmp_path / "talk"
    deck.mkdir()
    (deck / "slides.md").write_text(source, encoding="utf-8")
    line = assert_one_error(run_cli("serve", str(deck), "--port", "0", "--secret", SECRET))
    assert "slides.md" in line
    found = re.search(r"slides\.md:(\d+)|line (\d+)", line)
    assert found, f"no line number in {line!r}"
    if line_number is not None:
        assert int(found.group(1) or found.group(2)) == line_number


def test_front_matter_with_a_wrong_value_names_the_line(tmp_path: Path) -> None:
    # Valid YAML, wrong shape: still a broken front matter the user must find.
    deck = tmp_path / "talk"
    deck.mkdir()
    (deck / "slides.md").write_text("---\ntitle: ok\nrevealOptions: 5\n---\n# x\n", "utf-8")
    line = assert_one_error(run_cli("serve", str(deck), "--port", "0", "--secret", SECRET))
    assert "revealOptions" in line
    found = re.search(r"slides\.md:(\d+)|line (\d+)", line)
    assert found, f"no line number in {line!r}"
    assert int(found.group(1) or found.group(2)) == 3


def test_broken_deck_among_good_ones_is_reported(tmp_path: Path) -> None:
    decks = write_decks(tmp_path / "decks")
    (decks / "broken").mkdir()
    (decks / "broken" / "slides.md").write_text("---\ntitle: [x\n---\n# x\n", encoding="utf-8")
    line = assert_one_error(run_cli("serve", str(decks), "--port", "0", "--secret", SECRET))
    assert "broken" in line


@pytest.mark.parametrize("port", ["-1", "70000", "http"])
def test_bad_port_is_a_usage_error(tmp_path: Path, port: str) -> None:
    decks = write_decks(tmp_path / "decks")
    result = run_cli("serve", str(decks), "--port", port)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "port" in result.stderr.lower()
