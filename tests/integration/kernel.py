"""What the kernel holds for a TCP connection, read from ``/proc/net/tcp`` (Linux).

A client that stops reading backs a server's outbox up only once the kernel's
buffers for that connection are full, and how much they take grows with TCP
autotuning. Tests that need a backed-up socket change slides until the
server side's send queue stops growing, instead of guessing a number.
"""

from __future__ import annotations

from pathlib import Path

PROC_NET_TCP = Path("/proc/net/tcp")


def send_queue(local_port: int, remote_port: int) -> int | None:
    """Bytes queued in the kernel to send on 127.0.0.1:local -> 127.0.0.1:remote
    (``None`` when the connection or ``/proc/net/tcp`` is not there)."""
    try:
        lines = PROC_NET_TCP.read_text(encoding="ascii").splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        local = int(fields[1].rsplit(":", 1)[1], 16)
        remote = int(fields[2].rsplit(":", 1)[1], 16)
        if local == local_port and remote == remote_port:
            return int(fields[4].split(":")[0], 16)
    return None


class FullWatch:
    """Tells when the kernel has (about) stopped taking data for one stalled client.

    Call :meth:`sample` after each change. :attr:`full` becomes true once, over the
    last ``steady`` changes, the server side's send queue grew by less than a tenth
    of what those changes would take as frames of ``frame_bytes``: at most a tenth
    of them can have reached the kernel, the rest were held back (or coalesced).
    The queue is read every ``every`` changes (``/proc/net/tcp`` takes about a ms).
    """

    def __init__(
        self,
        server_port: int,
        client_port: int,
        steady: int = 300,
        frame_bytes: int = 100,
        every: int = 10,
    ) -> None:
        self.server_port = server_port
        self.client_port = client_port
        self.steady = steady
        self.frame_bytes = frame_bytes
        self.every = every
        self.calls = 0
        self.history: list[int] = []  # the queue every ``every`` changes
        self.available = send_queue(server_port, client_port) is not None

    @property
    def last(self) -> int | None:
        return self.history[-1] if self.history else None

    def sample(self) -> None:
        self.calls += 1
        if self.calls % self.every == 0:
            self.history.append(send_queue(self.server_port, self.client_port) or 0)

    @property
    def full(self) -> bool:
        if not self.available:
            return True
        back = self.steady // self.every
        if len(self.history) <= back or self.history[-1] == 0:
            return False
        grew = self.history[-1] - self.history[-1 - back]
        return grew < self.steady * self.frame_bytes // 10
