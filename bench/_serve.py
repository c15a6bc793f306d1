"""``python -m bench._serve ARGS``: ``presenter ARGS`` with the open-files limit raised first.

Worker processes the server may fork inherit the raised limit.
"""

from __future__ import annotations

import sys

from bench.common import die_with_parent, raise_nofile


def run(argv: list[str]) -> None:
    """Raise RLIMIT_NOFILE, then hand ``argv`` to the presenter CLI (does not return)."""
    raise_nofile()
    die_with_parent()
    from presenter.cli import main  # imported after the limit is raised

    main(args=argv, prog_name="presenter")


if __name__ == "__main__":
    run(sys.argv[1:])
