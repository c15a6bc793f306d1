"""Allow ``python -m presenter``."""

from presenter.cli import main

if __name__ == "__main__":
    main()
