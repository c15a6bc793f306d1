"""The HTTP server around the application, hardened against idle and greedy clients.

* A client must send its request headers within ``idle_timeout`` seconds,
  and an idle keep-alive connection is closed after as long (slowloris).
* No request body may exceed :data:`MAX_BODY` bytes (each handler allows
  less, usually nothing; see :class:`presenter.handlers.base.Guarded`).
* When the process runs out of file descriptors, ``accept`` pauses briefly
  instead of failing in a loop; one line is logged, and new connections wait
  in the kernel's backlog until descriptors are free again.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import resource
import socket
import time
from collections.abc import Iterable

import tornado.httpserver
import tornado.netutil
import tornado.web
from tornado.ioloop import IOLoop

log = logging.getLogger("presenter")

MAX_BODY = 64 * 1024
IDLE_TIMEOUT = 15.0
LISTEN_BACKLOG = 4096  # connect storms: a room joining at once
ACCEPT_PAUSE = 0.5  # seconds without accepting after running out of descriptors
_OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class PausingSocket(socket.socket):
    """A listening socket whose ``accept`` stops for a moment when descriptors run out.

    Tornado's accept loop calls :meth:`accept` until it raises
    ``BlockingIOError``; on ``EMFILE`` it would instead raise the error again
    for every readiness event, forever. Here the socket leaves the event loop
    for :data:`ACCEPT_PAUSE` seconds and the loop sees "nothing to accept".
    """

    _paused_at = 0.0
    _logged_at = 0.0
    _pauses = 0

    @classmethod
    def wrap(cls, sock: socket.socket) -> PausingSocket:
        """Take over ``sock`` (which must not be used any more)."""
        return cls(sock.family, sock.type, sock.proto, fileno=sock.detach())

    def accept(self) -> tuple[socket.socket, object]:
        try:
            return super().accept()
        except OSError as exc:
            if exc.errno not in _OUT_OF_DESCRIPTORS:
                raise
            self._pause(exc)
            raise BlockingIOError(errno.EAGAIN, "accept paused") from None

    def _pause(self, exc: OSError) -> None:
        loop = IOLoop.current()
        fd = self.fileno()
        loop.update_handler(fd, 0)
        loop.call_later(ACCEPT_PAUSE, self._resume, fd)
        self._pauses += 1
        now = time.monotonic()
        if now - self._logged_at >= 60.0:
            self._logged_at = now
            log.warning(
                "cannot accept connections: %s (open-file limit %d); pausing accept "
                "(%d times in the last minute)",
                exc.strerror,
                open_file_limit(),
                self._pauses,
            )
            self._pauses = 0

    def _resume(self, fd: int) -> None:
        if self.fileno() == fd:  # not closed meanwhile
            IOLoop.current().update_handler(fd, IOLoop.READ)


def bind(host: str, port: int, reuse_port: bool = False) -> list[socket.socket]:
    """Listening sockets for ``host:port`` (``port`` 0: the kernel picks one).

    Raises:
        OSError: the address is in use or cannot be listened on.
    """
    return tornado.netutil.bind_sockets(
        port, address=host, reuse_port=reuse_port, backlog=LISTEN_BACKLOG
    )


def make_http_server(
    app: tornado.web.Application, idle_timeout: float = IDLE_TIMEOUT
) -> tornado.httpserver.HTTPServer:
    """The HTTP server for ``app``, with header, idle and body limits."""
    return tornado.httpserver.HTTPServer(
        app,
        xheaders=False,
        idle_connection_timeout=idle_timeout,
        body_timeout=idle_timeout,
        max_body_size=MAX_BODY,
    )


def listen(server: tornado.httpserver.HTTPServer, sockets: Iterable[socket.socket]) -> None:
    """Serve on ``sockets`` (bound and listening), with the pausing accept loop."""
    server.add_sockets([PausingSocket.wrap(sock) for sock in sockets])


def open_file_limit() -> int:
    """The soft limit on open files (each socket is one)."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def raise_open_file_limit() -> int:
    """Raise the soft open-file limit to the hard one where allowed; return the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return open_file_limit()
