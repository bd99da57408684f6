"""Who may write: bearer tokens from settings, compared in constant time, never logged.

Tokens come from ``STORYGRAPH_API_TOKENS`` (comma-separated) and
``STORYGRAPH_API_TOKENS_FILE`` (one per line, ``#`` comments, blank lines
ignored). Each is ``secret`` or ``name:secret``; the name (or, without one, a
short fingerprint of the secret, never the secret) is who a merge records.

Reads stay open. A write without a valid token is a 401 problem with
``WWW-Authenticate: Bearer realm="storygraph"``; with no token configured the
server accepts no writes at all: 403 ``writes-disabled``, whose detail says how
to enable them (a credential cannot help, so not 401).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from graph.errors import Unauthorized, WritesDisabled

from .settings import Settings

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")


@dataclass(frozen=True)
class Token:
    name: str
    secret: bytes = field(repr=False)


def fingerprint(secret: bytes) -> str:
    """A short, one-way label for an unnamed token: enough to tell tokens apart in a record."""
    return "token-" + hashlib.sha256(secret).hexdigest()[:8]


def parse_token(entry: str) -> Token | None:
    """``secret`` or ``name:secret``; ``None`` for an empty entry.

    >>> parse_token("alice:s3cret").name
    'alice'
    >>> parse_token("s3cret").name
    'token-1ec1c26b'
    """
    entry = entry.strip()
    if not entry:
        return None
    name, sep, secret = entry.partition(":")
    if sep and secret and _NAME.match(name):
        return Token(name, secret.encode())
    return Token(fingerprint(entry.encode()), entry.encode())


def load_tokens(settings: Settings) -> list[Token]:
    entries: list[str] = []
    if settings.api_tokens is not None:
        entries += settings.api_tokens.get_secret_value().split(",")
    if settings.api_tokens_file is not None:
        for line in Path(settings.api_tokens_file).read_text(encoding="utf-8").splitlines():
            if not line.strip().startswith("#"):
                entries.append(line)
    return [t for e in entries if (t := parse_token(e)) is not None]


def _tokens(request: Request) -> list[Token]:
    state = request.app.state
    tokens = getattr(state, "api_tokens", None)
    if tokens is None:
        tokens = state.api_tokens = load_tokens(state.settings)
    return tokens


def match(tokens: list[Token], given: str) -> Token | None:
    """The configured token equal to ``given``; every one is compared, each in constant time."""
    candidate = given.encode()
    found = None
    for t in tokens:
        if hmac.compare_digest(candidate, t.secret):
            found = t
    return found


def require_writer(request: Request) -> str:
    """The name of who writes; raises 403 (writes disabled) or 401 (no or wrong token)."""
    tokens = _tokens(request)
    if not tokens:
        raise WritesDisabled()
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("This request writes and needs 'Authorization: Bearer <token>'")
    scheme, _, given = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized("The Authorization header must be 'Bearer <token>'", error="invalid_request")
    token = match(tokens, given.strip())
    if token is None:
        raise Unauthorized("The bearer token is not valid", error="invalid_token")
    return token.name


Writer = Annotated[str, Depends(require_writer)]
