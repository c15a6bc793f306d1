"""Which Host headers the presenter pages answer, and the URL people are given.

A page on another site whose name an attacker points at this machine (DNS
rebinding) reaches the server with that name in its Host header. Presenter
pages answer only to names the server knows; an IP address cannot be rebound,
so any address is accepted. URLs shown to people (QR codes, the join page,
the remote's login link) never come from the request: they are built from
the configured address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

WILDCARDS = ("0.0.0.0", "::", "")


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def normalize(name: str) -> str:
    """A host name as compared here: lower case, without a trailing dot or brackets."""
    return name.strip().rstrip(".").lower()


def host_allowed(name: str, known: Iterable[str]) -> bool:
    """Whether a request for host ``name`` (no port) may reach a presenter page."""
    name = normalize(name)
    if not name:
        return False
    return _is_address(name) or name in {normalize(k) for k in known}


def url_host(host: str) -> str:
    """``host`` as written in a URL (IPv6 addresses in brackets)."""
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def is_loopback(base: str) -> bool:
    """Whether the origin ``base`` names this machine only (127.0.0.1, ::1,
    localhost): a phone in the room cannot open it."""
    name = (urlsplit(base).hostname or "").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_public_url(url: str) -> str:
    """Validate ``--public-url`` and return it without a trailing slash.

    Raises:
        ValueError: with a sentence saying what is wrong.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL such as https://talk.example.org")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("give the origin only (no path): the decks are served at /decks/")
    return f"{parts.scheme}://{parts.netloc}"


def public_base(
    host: str, port: int, advertised_host: str | None = None, public_url: str | None = None
) -> str:
    """The origin put in every URL shown to people.

    ``--public-url`` when given (a proxy's address); else the LAN address when
    listening on every interface; else the address listened on.
    """
    if public_url:
        return public_url.rstrip("/")
    if advertised_host:
        return f"http://{url_host(advertised_host)}:{port}"
    shown = "127.0.0.1" if host in WILDCARDS else host
    return f"http://{url_host(shown)}:{port}"


def known_names(host: str, public_url: str | None, machine_names: Iterable[str]) -> set[str]:
    """Host names (not addresses) the presenter pages answer to."""
    names = {"localhost", *machine_names}
    if host not in WILDCARDS and not _is_address(host):
        names.add(host)
    if public_url:
        parsed = urlsplit(public_url).hostname
        if parsed:
            names.add(parsed)
    return {normalize(n) for n in names if n}
