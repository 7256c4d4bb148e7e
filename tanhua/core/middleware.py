"""Request-wide plumbing shared by every app."""

from __future__ import annotations

import ipaddress
import re
import uuid
from functools import lru_cache

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware

from tanhua.core import request_context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
_NET = ipaddress.IPv4Network | ipaddress.IPv6Network


class RequestIdMiddleware:
    """Gives each request the server's own id for the audit trail and the response header.

    An X-Request-ID the client (or a proxy) sent is anybody's choice, so it never becomes the
    id: when sane it is kept beside it as `request.client_request_id`, for correlation."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        incoming = request.headers.get("X-Request-ID", "")
        request.client_request_id = incoming if _SAFE_ID.match(incoming) else ""
        token = request_context.bind(request)
        try:
            response = self.get_response(request)
        finally:
            request_context.unbind(token)
        response["X-Request-ID"] = request.request_id
        return response


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[_NET, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _parse(text: str) -> _IP | None:
    """One hop as proxies write it: an address, "[v6]:port" or "v4:port"; None if garbage."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped or ip


def _trusted(ip: _IP, networks) -> bool:
    return any(ip in net for net in networks if net.version == ip.version)


def client_ip(request) -> str:
    """The client's address for the audit trail and the login throttle.

    The TCP peer, unless it is one of settings.TRUSTED_PROXIES: then X-Forwarded-For is read
    from the right (each proxy appends the address it saw), skipping trusted hops; the first
    untrusted hop is the client. Everything left of it was written by the client itself and is
    not believed. A malformed hop ends the walk at the last address known good."""
    remote_raw = request.META.get("REMOTE_ADDR", "")
    remote = _parse(remote_raw)
    if remote is None:
        # Not an address (e.g. a unix socket): the server's word, not the client's.
        return remote_raw[:64]
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    client = remote
    if not _trusted(remote, networks):
        return str(client)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed(forwarded.split(",")):
        ip = _parse(hop)
        if ip is None:
            break
        client = ip
        if not _trusted(ip, networks):
            break
    return str(client)


# The finders' listing, per static prefix, shared by every StaticFilesMiddleware of the process.
_FINDER_FILES: dict[str, dict] = {}


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, serving the apps' static files through the finders (the demo and the tests
    run without collectstatic), with the finders' listing read once per process.

    WhiteNoise lists and stats every file the finders hold (~700) each time the middleware is
    built. A server builds it once per worker, but Django's test client builds the whole chain
    for each client it makes: the listing was 15 ms of every fresh client, two thirds of an
    access-matrix request. The files do not change while a process runs unless
    WHITENOISE_AUTOREFRESH is on, and then WhiteNoise looks each file up per request instead.
    """

    def add_files_from_finders(self):
        listed = _FINDER_FILES.get(self.static_prefix)
        if listed is None:
            kept, self.files = self.files, {}
            try:
                super().add_files_from_finders()
                listed = _FINDER_FILES[self.static_prefix] = self.files
            finally:
                self.files = kept
        self.files.update(listed)
