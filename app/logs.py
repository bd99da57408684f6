"""Credentials a client wrongly puts in a URL's query string stay out of the access log.

Uvicorn's access log records every request's path with its query string. Tokens
belong in ``Authorization``, but a client that sends ``?access_token=...`` (as
some APIs ask) would have its secret written to a file operators share and
ship. :class:`RedactCredentials` rewrites the query of each access record: the
value of every parameter whose name looks like a credential becomes
``REDACTED``; everything else, the path included, is logged as sent.

:func:`install` puts the filter on the ``uvicorn.access`` logger. The app calls
it when it is built, after uvicorn has configured logging (uvicorn imports the
app afterwards, in every worker), so ``storygraph serve`` and
``uvicorn app.main:app`` both get it.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "REDACTED"

# A parameter name (percent-decoded, lower-cased, "-" and "." read as "_") is a credential when it is one of these
# words, or ends in "_" and one of them: access_token, api_key, x_api_key, client_secret, db_password, auth, sig...
_WORDS = ("token", "access_token", "id_token", "refresh_token", "bearer", "api_key", "apikey", "key", "password",
          "passwd", "pwd", "pass", "secret", "client_secret", "auth", "authorization", "credential", "credentials",
          "sig", "signature", "session", "sessionid", "jwt")
_CREDENTIAL = re.compile(r"(?:.*_)?(?:" + "|".join(map(re.escape, _WORDS)) + ")")
_PART = re.compile(r"[^&;]+")


def is_credential(name: str) -> bool:
    """Whether a query parameter's (raw) name looks like a credential.

    >>> [n for n in ("access_token", "API-Key", "apiKey", "x-api-key", "Token", "password", "sig",
    ...              "acc%65ss_token", "q", "query", "limit", "source", "keyword", "monkey", "format")
    ...  if is_credential(n)]
    ['access_token', 'API-Key', 'apiKey', 'x-api-key', 'Token', 'password', 'sig', 'acc%65ss_token']
    """
    try:
        decoded = unquote_plus(name, errors="strict")
    except UnicodeDecodeError:
        decoded = name
    return _CREDENTIAL.fullmatch(re.sub(r"[-.\s]", "_", decoded.strip().lower())) is not None


def redact(target: str) -> str:
    """``target`` (a path, ``?``, a query) with the values of credential-like parameters replaced.

    >>> redact("/healthz?access_token=SECRET123&limit=5")
    '/healthz?access_token=REDACTED&limit=5'
    >>> redact("/v1/entities?q=key&API_KEY=abc;token=xyz&token")
    '/v1/entities?q=key&API_KEY=REDACTED;token=REDACTED&token'
    >>> redact("/v1/entities/a%3Fb")
    '/v1/entities/a%3Fb'
    """
    path, sep, query = target.partition("?")
    if not sep:
        return target

    def one(m: re.Match[str]) -> str:
        name, eq, _ = m.group(0).partition("=")
        return f"{name}={REDACTED}" if eq and is_credential(name) else m.group(0)

    return path + sep + _PART.sub(one, query)


class RedactCredentials(logging.Filter):
    """Rewrites the arguments of an access record (uvicorn passes the target as a ``%s`` argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "?" in a for a in record.args):
            record.args = tuple(redact(a) if isinstance(a, str) and "?" in a else a for a in record.args)
        elif isinstance(record.msg, str) and "?" in record.msg and not record.args:
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Put the filter on uvicorn's access logger, once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactCredentials) for f in logger.filters):
        logger.addFilter(RedactCredentials())
