"""The errors only the HTTP layer raises: a body, a media type, an Accept header, a credential, a redirect.

They are :class:`graph.errors.StorygraphError` subclasses like the domain's, so
app/problems.py turns both into RFC 9457 problems on one path; they live here
because nothing in ``graph/`` could raise them (``graph/`` knows no request, header
or environment variable).
"""

from __future__ import annotations

from typing import Any

from graph.errors import AnswerNotWritable, StorygraphError, named


class MalformedBody(StorygraphError):
    """400: a request body that is not JSON (RFC 8259) in UTF-8: a syntax error, ``NaN`` or ``Infinity``,
    a number too large to hold, or nesting too deep to read."""

    status = 400
    title = "Malformed request body"
    type = "https://storygraph.dev/problems/malformed-body"


class NotAcceptable(AnswerNotWritable):
    """406: none of the media types in ``Accept`` can carry this answer; ``available`` lists those that can.

    The same problem as the domain's :class:`~graph.errors.AnswerNotWritable`, met before any format was tried.
    """


class BodyTooLarge(StorygraphError):
    status = 413
    title = "Request body too large"
    type = "https://storygraph.dev/problems/body-too-large"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"The request body is larger than {limit} bytes (STORYGRAPH_MAX_BODY_BYTES)")

    def extra(self) -> dict[str, Any]:
        return {"max_body_bytes": self.limit}


class UnsupportedMediaType(StorygraphError):
    """415: a request body in a media type the endpoint does not read."""

    status = 415
    title = "Unsupported media type"
    type = "https://storygraph.dev/problems/unsupported-media-type"

    def __init__(self, detail: str, supported: list[str], *, parameter: str | None = None,
                 location: str = "header") -> None:
        self.supported = supported
        self.parameter, self.location = parameter, location
        super().__init__(detail)

    def extra(self) -> dict[str, Any]:
        return {"supported": self.supported} | named(self.parameter, self.location, self.detail)


class ProtocolViolation(StorygraphError):
    """400: a request the SPARQL 1.1 Protocol does not allow (``query`` twice, a GET with a body, a dataset).

    The protocol answers a request it cannot read as one query with 400; the
    problem names the parameter (or header, or body) that is wrong.
    """

    status = 400
    title = "Invalid SPARQL request"
    type = "https://storygraph.dev/problems/invalid-sparql-request"

    def __init__(self, parameter: str, location: str, reason: str) -> None:
        super().__init__(reason)
        self.parameter, self.location = parameter, location

    def extra(self) -> dict[str, Any]:
        return named(self.parameter, self.location, self.detail)


class Unauthorized(StorygraphError):
    """401: a write without a valid bearer token."""

    status = 401
    title = "Unauthorized"
    type = "https://storygraph.dev/problems/unauthorized"

    def __init__(self, detail: str, *, error: str | None = None) -> None:
        self.error = error
        super().__init__(detail)

    def headers(self) -> dict[str, str]:
        challenge = 'Bearer realm="storygraph"'
        if self.error:
            challenge += f', error="{self.error}"'
        return {"WWW-Authenticate": challenge}


class WritesDisabled(StorygraphError):
    """403: no API token is configured, so no request may write."""

    status = 403
    title = "Writes disabled"
    type = "https://storygraph.dev/problems/writes-disabled"

    def __init__(self) -> None:
        super().__init__("This server accepts no writes: no API token is configured. Set STORYGRAPH_API_TOKENS "
                         "(comma-separated, each 'secret' or 'name:secret') or STORYGRAPH_API_TOKENS_FILE "
                         "(one per line) and restart it.")


class EntityMoved(StorygraphError):
    """308: an entity id merged into another answers with the other's URL."""

    status = 308
    title = "Permanent Redirect"
    type = "https://storygraph.dev/problems/entity-merged"

    def __init__(self, old: str, new: str, location: str) -> None:
        self.old, self.new, self.location = old, new, location
        super().__init__(f"Entity '{old}' was merged into '{new}'; see {location}")

    def headers(self) -> dict[str, str]:
        return {"Location": self.location}

    def extra(self) -> dict[str, Any]:
        return {"merged_into": self.new, "location": self.location}
