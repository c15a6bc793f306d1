"""presenter: a live slide-presentation server for reveal.js decks."""

__version__ = "0.1.0"
