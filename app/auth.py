"""Who may write: bearer tokens from settings, compared in constant time, never logged.

Tokens come from ``STORYGRAPH_API_TOKENS`` (comma-separated) and
``STORYGRAPH_API_TOKENS_FILE`` (one per line, ``#`` comments, blank lines
ignored). Each is ``secret`` or ``name:secret``; the name is who a merge records.

A token without a name is recorded as ``token-`` and 12 hex digits of an
HMAC-SHA256 of its secret under the deployment's key: 32 random bytes the
database makes once (``graph.storage.tables.DeploymentKeyRow``) and the API never
shows. So the label is the same in every process and after every restart of
one deployment, differs between deployments, and without the key says nothing
about the secret. (It was an unsalted SHA-256 prefix, which a dictionary
inverts for a weak secret; labels recorded then, 8 hex digits, stay as they
are: rotate such a token.)

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
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from graph.errors import StoreUnavailable
from graph.storage.store import deployment_key

from .errors import Unauthorized, WritesDisabled
from .runtime import of as runtime_of
from .settings import Settings

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")


@dataclass(frozen=True)
class Token:
    name: str
    secret: bytes = field(repr=False)


def fingerprint(secret: bytes, key: bytes) -> str:
    """A short label for an unnamed token, keyed: enough to tell tokens apart in a record, and no more.

    >>> fingerprint(b"hunter2", bytes(32))
    'token-48d1763b879f'
    >>> fingerprint(b"hunter2", bytes(31) + b"\\x01") != fingerprint(b"hunter2", bytes(32))
    True
    """
    return "token-" + hmac.new(key, secret, hashlib.sha256).hexdigest()[:12]


def parse_token(entry: str, key: bytes) -> Token | None:
    """``secret`` or ``name:secret``; ``None`` for an empty entry. ``key`` labels an unnamed one.

    >>> parse_token("alice:s3cret", bytes(32)).name
    'alice'
    >>> parse_token("s3cret", bytes(32)).name == fingerprint(b"s3cret", bytes(32))
    True
    """
    entry = entry.strip()
    if not entry:
        return None
    name, sep, secret = entry.partition(":")
    if sep and secret and _NAME.match(name):
        return Token(name, secret.encode())
    return Token(fingerprint(entry.encode(), key), entry.encode())


def load_tokens(settings: Settings, key: bytes) -> list[Token]:
    entries: list[str] = []
    if settings.api_tokens is not None:
        entries += settings.api_tokens.get_secret_value().split(",")
    if settings.api_tokens_file is not None:
        for line in Path(settings.api_tokens_file).read_text(encoding="utf-8").splitlines():
            if not line.strip().startswith("#"):
                entries.append(line)
    return [t for e in entries if (t := parse_token(e, key)) is not None]


def _tokens(request: Request) -> list[Token]:
    runtime = runtime_of(request.app)
    if runtime.tokens is None:
        settings = runtime.settings
        configured = settings.api_tokens is not None or settings.api_tokens_file is not None
        # the key is read only when there are tokens to label: writes disabled need no database
        engine = runtime.engine
        if configured and engine is None:  # shut down (or not yet started): nothing to label tokens with
            raise StoreUnavailable()
        runtime.tokens = load_tokens(settings, deployment_key(engine) if engine is not None and configured else b"")
    return runtime.tokens


def match(tokens: list[Token], given: str) -> Token | None:
    """The configured token equal to ``given``; every one is compared, each in constant time."""
    candidate = given.encode()
    found = None
    for t in tokens:
        if hmac.compare_digest(candidate, t.secret):
            found = t
    return found


# Declares the `bearer` security scheme in OpenAPI on every write (the Authorize button of /docs, the token of
# generated clients); it refuses nothing itself (auto_error=False): require_writer reads the header.
BEARER = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="Writes (articles, merges) need a token of `STORYGRAPH_API_TOKENS`; reads need none")


def require_writer(request: Request,
                   _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None) -> str:
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
