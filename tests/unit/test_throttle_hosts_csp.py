"""The pure rules behind the hardening: login throttle, Host names, CSP values."""

from __future__ import annotations

import base64
import hashlib

import pytest

from presenter import auth
from presenter.core import csp, hosts
from presenter.core.throttle import LoginThrottle, client_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- LoginThrottle -----------------------------------------------------------------


def test_a_burst_of_failures_is_allowed_then_refused() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock, burst=3, refill=10.0)
    for _ in range(3):
        assert throttle.retry_after("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
    assert throttle.retry_after("10.0.0.1") == pytest.approx(10.0)
    # Other addresses are not affected.
    assert throttle.retry_after("10.0.0.2") == 0


def test_one_more_attempt_per_refill_period() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock, burst=2, refill=5.0)
    throttle.failed("a")
    throttle.failed("a")
    clock.now += 4.9
    assert throttle.retry_after("a") > 0
    clock.now += 0.2
    assert throttle.retry_after("a") == 0
    throttle.failed("a")
    assert throttle.retry_after("a") > 0  # the bucket is full again at once


def test_guessing_while_blocked_keeps_it_blocked() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock, burst=2, refill=5.0)
    for _ in range(20):
        throttle.failed("a")
    clock.now += 30
    assert throttle.retry_after("a") > 0  # 20 failures take 100 s to leak away


def test_success_forgets_the_failures() -> None:
    throttle = LoginThrottle(Clock(), burst=2, refill=5.0)
    throttle.failed("a")
    throttle.failed("a")
    throttle.succeeded("a")
    assert throttle.retry_after("a") == 0


def test_memory_is_bounded() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock, burst=2, refill=5.0, capacity=100)
    for n in range(1000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(throttle._levels) <= 100
    # The newest ones are kept.
    throttle.failed("10.0.3.231")
    throttle.failed("10.0.3.231")
    assert throttle.retry_after("10.0.3.231") > 0


def test_ipv6_addresses_count_per_64() -> None:
    assert client_key("2001:db8::1") == client_key("2001:db8::ffff:1")
    assert client_key("2001:db8::1") != client_key("2001:db8:0:1::1")
    assert client_key("::ffff:10.0.0.1") == "10.0.0.1"
    assert client_key("127.0.0.1") == "127.0.0.1"
    assert client_key("not an address") == "not an address"


# --- secrets -------------------------------------------------------------------


def test_short_secrets_are_refused() -> None:
    assert auth.weak_secret("x" * 15) is not None
    assert "16" in (auth.weak_secret("short") or "")
    assert auth.weak_secret("x" * 16) is None


def test_a_token_with_a_lone_surrogate_is_just_wrong() -> None:
    assert auth.token_matches("a-long-enough-secret", "\ud800") is False
    assert auth.token_matches("a-long-enough-secret", "a-long-enough-secret") is True


# --- hosts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["127.0.0.1", "192.168.1.20", "[::1]", "::1", "localhost", "LOCALHOST", "laptop.local."]
)
def test_known_names_and_any_address_are_allowed(name: str) -> None:
    known = hosts.known_names("0.0.0.0", None, ["laptop", "laptop.local"])
    assert hosts.host_allowed(name, known)


@pytest.mark.parametrize("name", ["evil.example", "localhost.evil.example", "", "laptopx"])
def test_other_names_are_refused(name: str) -> None:
    known = hosts.known_names("0.0.0.0", None, ["laptop", "laptop.local"])
    assert not hosts.host_allowed(name, known)


def test_public_url_and_a_named_listen_host_are_known() -> None:
    known = hosts.known_names("talk.lan", "https://Talk.Example.org:8443", [])
    assert hosts.host_allowed("talk.example.org", known)
    assert hosts.host_allowed("talk.lan", known)


def test_public_base_prefers_public_url_then_lan_then_listen_address() -> None:
    assert (
        hosts.public_base("0.0.0.0", 80, "192.168.1.2", "https://t.example") == "https://t.example"
    )
    assert hosts.public_base("0.0.0.0", 8000, "192.168.1.2") == "http://192.168.1.2:8000"
    assert hosts.public_base("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert hosts.public_base("::1", 8000) == "http://[::1]:8000"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://talk.example.org", "https://talk.example.org"),
        ("https://talk.example.org/", "https://talk.example.org"),
        ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
    ],
)
def test_public_url_accepted(url: str, expected: str) -> None:
    assert hosts.check_public_url(url) == expected


@pytest.mark.parametrize(
    "url", ["talk.example.org", "ftp://x.example", "https://x.example/talks", "https://x?y=1"]
)
def test_public_url_refused(url: str) -> None:
    with pytest.raises(ValueError):
        hosts.check_public_url(url)


# --- CSP -----------------------------------------------------------------------


def test_scan_finds_inline_scripts_handlers_and_script_hosts() -> None:
    page = (
        "<script>a()</script>"
        '<script type="module">b()</script>'
        '<script type="application/json">{"x":1}</script>'
        '<script type="text/template">## md</script>'
        '<script src="/reveal/reveal.js"></script>'
        '<script src="https://cdn.example/x.js"></script>'
        '<script src="//cdn2.example/y.js"></script>'
    )
    code = csp.scan(page)
    assert code.scripts == ("a()", "b()")
    assert code.handlers is False
    assert code.origins == ("https://cdn.example", "https://cdn2.example")
    assert csp.scan('<button onclick="go()">').handlers is True
    assert csp.scan('<a href="javascript:go()">').handlers is True


def test_deck_policy_hashes_inline_scripts_and_frames_as_told() -> None:
    code = csp.scan("<script>Reveal.initialize()</script>")
    policy = csp.deck_page([code], csp.frame_ancestors(()))
    digest = base64.b64encode(hashlib.sha256(b"Reveal.initialize()").digest()).decode()
    assert f"'sha256-{digest}'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert policy.endswith("frame-ancestors 'self'")
    assert csp.frame_ancestors(["https://a.example"]) == "'self' https://a.example"
    assert csp.frame_ancestors(["*"]) == "*"


def test_a_deck_with_inline_handlers_keeps_working() -> None:
    policy = csp.deck_page([csp.scan('<button onclick="x()">x</button>')], "'self'")
    scripts = policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "'unsafe-inline'" in scripts
    assert "sha256" not in scripts  # a hash would switch 'unsafe-inline' off


def test_presenter_pages_cannot_be_framed() -> None:
    policy = csp.app_page("'none'")
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy


def test_an_html_decks_math_and_custom_controls_keep_working_under_the_policy() -> None:
    math = csp.scan('<script src="plugin/math/math.js"></script>')
    assert math.origins == ("https://cdn.jsdelivr.net",)
    assert "https://cdn.jsdelivr.net" in csp.deck_page([math], "'self'")
    controls = csp.scan('<script src="plugin/customcontrols/plugin.js"></script>')
    assert controls.handlers
    assert "'unsafe-inline'" in csp.deck_page([controls], "'self'")
    plain = csp.scan('<script src="dist/reveal.js"></script>')
    assert (plain.origins, plain.handlers) == ((), False)
