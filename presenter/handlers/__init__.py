"""Thin Tornado handlers: they translate HTTP and WebSocket traffic to the core.

``base`` holds what they share; ``pages``, ``api``, ``realtime`` and ``files``
hold one kind of endpoint each. :func:`presenter.app.make_app` routes to them.
"""

from presenter.handlers.api import (
    DeckApiHandler,
    NotesApiHandler,
    PollsExportHandler,
    QuestionsExportHandler,
    StateApiHandler,
)
from presenter.handlers.base import BaseHandler, Context, page_config
from presenter.handlers.files import (
    DeckFileHandler,
    RevealHandler,
    StaticHandler,
    ThemeHandler,
    VendorHandler,
)
from presenter.handlers.pages import (
    AudienceHandler,
    HealthHandler,
    IndexHandler,
    JoinHandler,
    NoIconHandler,
    PresenterHandler,
    QrHandler,
    RemoteHandler,
    RemoteQrHandler,
    SlashHandler,
)
from presenter.handlers.realtime import EventsHandler, LiveSocket

__all__ = [
    "AudienceHandler",
    "BaseHandler",
    "Context",
    "DeckApiHandler",
    "DeckFileHandler",
    "EventsHandler",
    "HealthHandler",
    "IndexHandler",
    "JoinHandler",
    "LiveSocket",
    "NoIconHandler",
    "NotesApiHandler",
    "PollsExportHandler",
    "PresenterHandler",
    "QrHandler",
    "QuestionsExportHandler",
    "RemoteHandler",
    "RemoteQrHandler",
    "RevealHandler",
    "SlashHandler",
    "StateApiHandler",
    "StaticHandler",
    "ThemeHandler",
    "VendorHandler",
    "page_config",
]
