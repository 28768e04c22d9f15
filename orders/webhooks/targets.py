"""Which webhook URLs Packdesk may POST to: http(s), no credentials, public addresses only.

An endpoint URL is checked when it is saved and again at every delivery after resolving its
host name, and the delivery then connects to the very address that was checked (a DNS answer
that changes between the check and the connect cannot point it elsewhere). Loopback, private,
link-local (cloud metadata at 169.254.169.254), shared, multicast, reserved and unspecified
addresses are refused, IPv4 and IPv6 alike (also IPv4 mapped into IPv6).
PACKDESK_WEBHOOK_ALLOW_PRIVATE=1 lifts the address rule (the test suite's receiver listens on
127.0.0.1); it is off by default, under `make run` too.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetRefused(Exception):
    """The URL may not receive webhooks; the message says why, for the owner to read."""


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL's parts and the checked address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class _Url:
    scheme: str
    host: str
    port: int
    path: str


def _parts(url: str) -> _Url:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"The URL is not valid: {exc}.") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise TargetRefused("The URL must start with http:// or https://.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise TargetRefused("The URL must not contain a user name or password.")
    if not parts.hostname:
        raise TargetRefused("The URL has no host name.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return _Url(parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme], path)


def address_refusal(address: str) -> str | None:
    """Why this IP address may not receive webhooks, or None when it is a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if settings.PACKDESK_WEBHOOK_ALLOW_PRIVATE:
        return None
    for kind in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return f"{ip} is a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def _literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"The host name {host} could not be resolved ({exc}).") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _refuse_private(host: str, addresses: list[str]) -> None:
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            shown = host if host == address else f"{host} ({address})"
            raise TargetRefused(
                f"Webhooks are only sent to public addresses: {shown} is refused, {reason}."
            )


def target_check_url(url: str) -> None:
    """The check when an endpoint is saved: the URL's form, and its host's addresses when
    it resolves now (a name that does not resolve yet is checked again at delivery)."""
    parts = _parts(url)
    literal = _literal_address(parts.host)
    if literal is not None:
        _refuse_private(parts.host, [literal])
        return
    try:
        addresses = _resolve(parts.host, parts.port)
    except TargetRefused:
        return
    _refuse_private(parts.host, addresses)


def target_resolve(url: str) -> Target:
    """The check at delivery time: resolve the host, refuse it if any of its addresses is
    not public, and name the address to connect to."""
    parts = _parts(url)
    literal = _literal_address(parts.host)
    addresses = [literal] if literal is not None else _resolve(parts.host, parts.port)
    _refuse_private(parts.host, addresses)
    return Target(parts.scheme, parts.host, parts.port, parts.path, addresses[0])
