"""Where a server keeps its state: slide positions, the talk timer, the generated token.

By default it lives outside the deck folder, in the user's state directory
(``$XDG_STATE_HOME/presenter/<folder>-<hash>``, else
``~/.local/state/presenter/...``), so committing a deck folder never commits
the token. A folder served by an earlier version keeps its ``.presenter/``
inside the deck, which now holds a ``.gitignore`` that keeps it out of git.
While a server runs, ``server.json`` there says where, so ``presenter links``
can print the links again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

LEGACY_NAME = ".presenter"
SERVER_FILE = "server.json"


def default_state_dir(path: Path, environ: Mapping[str, str] = os.environ) -> Path:
    """The state dir of the decks at ``path`` when ``--state-dir`` is not given."""
    resolved = path.resolve()
    legacy = resolved / LEGACY_NAME
    if legacy.is_dir():
        return legacy
    base = Path(environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:10]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", resolved.name) or "decks"
    return base / "presenter" / f"{name}-{digest}"


def keep_out_of_git(state_dir: Path) -> None:
    """Put a ``.gitignore`` in a state dir inside a deck folder (an earlier version's default).

    Raises:
        OSError: it cannot be written.
    """
    if state_dir.name == LEGACY_NAME:
        ignore = state_dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# presenter's state: the token and live state, never committed\n*\n")


def write_server_info(state_dir: Path, bases: list[str]) -> None:
    """Record where the running server answers (for ``presenter links``)."""
    info = {"pid": os.getpid(), "bases": bases}
    with contextlib.suppress(OSError):
        (state_dir / SERVER_FILE).write_text(json.dumps(info), encoding="utf-8")


def remove_server_info(state_dir: Path) -> None:
    """Forget the running server (it is stopping)."""
    with contextlib.suppress(OSError):
        (state_dir / SERVER_FILE).unlink()


def read_server_info(state_dir: Path) -> list[str] | None:
    """The origins of the server running on this state dir, or ``None`` when none runs."""
    try:
        info = json.loads((state_dir / SERVER_FILE).read_text(encoding="utf-8"))
        pid, bases = int(info["pid"]), info["bases"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # it died without cleaning up
    except PermissionError:
        pass  # alive, someone else's
    if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
        return None
    return bases
