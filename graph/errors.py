"""Domain errors. Each carries the HTTP status it means, so the API can
translate all of them in one handler without the domain importing FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class StorygraphError(Exception):
    """A domain error: its problem type, title and status, and a detail that says what is wrong and where.

    An error that names its input builds its detail in ``__init__``; one whose words never change says
    them once, as ``message``:

    >>> class Closed(StorygraphError):
    ...     status = 503
    ...     message = "The store is closed."
    >>> Closed().detail, Closed("Closed for repairs.").detail
    ('The store is closed.', 'Closed for repairs.')
    """

    status: int = 500
    title: str = "Internal error"
    type: str = "about:blank"
    message: str = "Internal error"

    def __init__(self, detail: str | None = None) -> None:
        detail = self.message if detail is None else detail
        super().__init__(detail)
        self.detail = detail

    def extra(self) -> dict[str, Any]:
        """Members added to the problem document beside type/title/status/detail."""
        return {}

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (``WWW-Authenticate``, ``Location``)."""
        return {}


@dataclass(frozen=True, slots=True)
class Fault:
    """One thing wrong with a fact sheet, located as precisely as we can."""

    file: str
    fact_id: str | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = self.file + (f": fact '{self.fact_id}'" if self.fact_id else "")
        return f"{where}: {self.field}: {self.reason}"

    def as_dict(self) -> dict[str, str | None]:
        return {"file": self.file, "fact_id": self.fact_id, "field": self.field, "reason": self.reason}


class SheetInvalid(StorygraphError):
    status = 422
    title = "Invalid fact sheet"
    type = "https://storygraph.dev/problems/invalid-fact-sheet"

    def __init__(self, faults: list[Fault]) -> None:
        self.faults = faults
        noun = "fault" if len(faults) == 1 else "faults"
        super().__init__(f"{len(faults)} {noun}; nothing was written. First: {faults[0]}")

    def extra(self) -> dict[str, Any]:
        return {"errors": [f.as_dict() for f in self.faults]}


class _ReferenceError(StorygraphError):
    """An entity reference that does not name exactly one entity."""

    def __init__(self, ref: str, candidates: list[dict[str, Any]], message: str, parameter: str | None) -> None:
        self.ref, self.candidates, self.parameter = ref, candidates, parameter
        super().__init__(message)

    @staticmethod
    def _where(parameter: str | None) -> str:
        return f" (parameter '{parameter}')" if parameter else ""

    def extra(self) -> dict[str, Any]:
        return {"candidates": self.candidates}


class EntityNotFound(_ReferenceError):
    status = 404
    title = "Entity not found"
    type = "https://storygraph.dev/problems/entity-not-found"

    def __init__(self, ref: str, candidates: list[dict[str, Any]], *, parameter: str | None = None) -> None:
        names = ", ".join(f"'{c['name']}'" for c in candidates)
        hint = f"; did you mean {names}?" if candidates else ""
        super().__init__(ref, candidates, f"No entity matches '{ref}'{self._where(parameter)}{hint}", parameter)


class AmbiguousReference(_ReferenceError):
    status = 409
    title = "Ambiguous entity reference"
    type = "https://storygraph.dev/problems/ambiguous-reference"

    def __init__(self, ref: str, candidates: list[dict[str, Any]], *, parameter: str | None = None) -> None:
        ids = ", ".join(c["id"] for c in candidates)
        message = f"'{ref}'{self._where(parameter)} names {len(candidates)} entities ({ids}); use an id"
        super().__init__(ref, candidates, message, parameter)


class NotFound(StorygraphError):
    status = 404
    title = "Not found"

    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"No {what} with id '{ident}'")


class InvalidParameter(StorygraphError):
    status = 422
    title = "Invalid parameter"
    type = "https://storygraph.dev/problems/invalid-parameter"

    def __init__(self, parameter: str, reason: str) -> None:
        self.parameter = parameter
        super().__init__(f"Parameter '{parameter}': {reason}")

    def extra(self) -> dict[str, Any]:
        return {"errors": [{"parameter": self.parameter, "reason": self.detail}]}


class StoreUnavailable(StorygraphError):
    status = 503
    title = "Store unavailable"
    message = "The database cannot be reached"


class StoreFull(StorygraphError):
    """507: the database has no room for the write (a full disk, a file at its size limit). Nothing was written.

    507 Insufficient Storage (RFC 4918) says exactly this: the server cannot store what the request needs.
    Reads go on; a retry succeeds once an operator frees space, so there is no ``Retry-After``.
    """

    status = 507
    title = "Insufficient storage"
    type = "https://storygraph.dev/problems/store-full"
    message = ("The database has no room left for this write (the disk or the database is full); nothing was "
               "written. Reads still work.")


class StoreReadOnly(StorygraphError):
    """503: the database takes no writes (a read-only file, folder or mount; a read-only PostgreSQL server).

    503 rather than 403: no credential would help, and the condition is the service's, which an operator
    can lift. Reads go on.
    """

    status = 503
    title = "Store read-only"
    type = "https://storygraph.dev/problems/store-read-only"
    message = ("The database is read-only (its file, folder or server takes no writes); nothing was written. "
               "Reads still work.")


class StoreCorrupt(StorygraphError):
    """The database is not one storygraph can use: a corrupt file, another application's, a directory.

    Raised when the store is opened (``graph.storage.schema``), so the CLI and the API's
    start-up refuse it in one line naming the file rather than in a traceback.
    """

    status = 503
    title = "Database unusable"

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(f"The database {where} {reason}")


# --- SPARQL (graph/semantic/sparql.py) ---------------------------------------------

class QueryInvalid(StorygraphError):
    """400: the text is not a SPARQL query (the parser's message says where and why)."""

    status = 400
    title = "Invalid SPARQL query"
    type = "https://storygraph.dev/problems/invalid-query"

    def __init__(self, detail: str, *, parser_message: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(detail)
        self.parser_message, self.line, self.column = parser_message, line, column

    def extra(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.parser_message is not None:
            out["parser_message"] = self.parser_message
        if self.line is not None:
            out |= {"line": self.line, "column": self.column}
        return out


class QueryRefused(StorygraphError):
    """400: a well-formed request this read-only endpoint will not run (an update, SERVICE).

    400 rather than 403 or 405: the SPARQL 1.1 Protocol answers a request it
    does not accept as a query with 400, and no credential or method would
    make it run.
    """

    status = 400
    title = "SPARQL operation not allowed"
    type = "https://storygraph.dev/problems/query-not-allowed"

    def __init__(self, detail: str, *, parameter: str | None = None, location: str = "query") -> None:
        super().__init__(detail)
        self.parameter, self.location = parameter, location

    def extra(self) -> dict[str, Any]:
        return named(self.parameter, self.location, self.detail)


def named(parameter: str | None, location: str, reason: str) -> dict[str, Any]:
    """The ``errors`` member naming what is wrong and where, shaped as a request validation error's."""
    return {"errors": [{"parameter": parameter, "location": location, "reason": reason}]} if parameter else {}


class QueryTooComplex(QueryInvalid):
    """400: the query is nested or chained too deeply for the parser (brackets, UNIONs, operators).

    The client's doing, and the same every time, so a 400 and not the 503 of a
    query stopped by the memory budget: the engine's parser recurses once per
    level, and a few thousand levels exhaust the query process's stack.
    """

    title = "SPARQL query too complex"
    type = "https://storygraph.dev/problems/query-too-complex"


class QueryTimeout(StorygraphError):
    """504: the query ran past its time budget and was stopped.

    The request was valid and the server did not fail, so neither 400 nor
    500; the engine that evaluates it (a child process, like an upstream of
    the API) gave no answer in time, which is what 504 says and what clients,
    proxies and monitors read as a timeout. Retrying the same query will time
    out again, so there is no ``Retry-After``: the detail asks for a narrower
    query.
    """

    status = 504
    title = "SPARQL query timed out"
    type = "https://storygraph.dev/problems/query-timeout"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"The query ran longer than {seconds:g} s and was stopped; narrow it (more specific "
                         f"patterns, a LIMIT, fewer OPTIONAL or unbounded property paths) and try again")

    def extra(self) -> dict[str, Any]:
        return {"timeout_seconds": self.seconds}


class QueryAborted(StorygraphError):
    """503: the process evaluating the query was stopped by a resource limit (memory, CPU)."""

    status = 503
    title = "SPARQL query aborted"
    type = "https://storygraph.dev/problems/query-aborted"

    def __init__(self, exitcode: int | None, *, reason: str | None = None) -> None:
        why = reason or (f"the query process ended with code {exitcode}; most likely it needed more memory "
                         f"than a query may use")
        super().__init__(f"The query was stopped: {why}; narrow it and try again")


class AnswerNotWritable(StorygraphError):
    """406: an answer a format cannot carry: RDF/XML, and a predicate IRI that does not end in an XML name.

    ``available`` names the formats that can. The HTTP layer tries the next format the request accepts
    before it lets this through, so a client sees it only when none of those it accepts can carry the answer:
    the same problem as a negotiation that finds no format at all.
    """

    status = 406
    title = "Not acceptable"
    type = "https://storygraph.dev/problems/not-acceptable"

    def __init__(self, detail: str, available: list[str]) -> None:
        self.available = available
        super().__init__(detail)

    def extra(self) -> dict[str, Any]:
        return {"available": self.available}


class SchemaBehind(StorygraphError):
    """The database's schema is not the one this code needs: an operator must upgrade it."""

    status = 503
    title = "Database schema out of date"

    def __init__(self, url: str, have: str | None, want: str, command: str) -> None:
        self.have, self.want, self.command = have, want, command
        at = f"revision {have}" if have else "no recorded schema revision"
        super().__init__(f"The database {url} is at {at}; this storygraph needs {want}. Run `{command}`.")


# --- Writes: articles and merges (graph/ingest.py, graph/storage/merge.py) -----------------

class ArticleExists(StorygraphError):
    """409: POST of an article id already stored with other content (PUT replaces)."""

    status = 409
    title = "Article exists"
    type = "https://storygraph.dev/problems/article-exists"

    def __init__(self, article_id: str) -> None:
        self.article_id = article_id
        super().__init__(f"Article '{article_id}' is already stored with other content")


class MergeInvalid(StorygraphError):
    """422: a merge that cannot be made as asked (into itself, of different types)."""

    status = 422
    title = "Invalid merge"
    type = "https://storygraph.dev/problems/invalid-merge"


class MergeConflict(StorygraphError):
    """409: a merge or an undo the stored graph's state does not allow."""

    status = 409
    title = "Merge conflict"
    type = "https://storygraph.dev/problems/merge-conflict"


class MergeNotFound(StorygraphError):
    status = 404
    title = "Merge not found"
    type = "https://storygraph.dev/problems/merge-not-found"

    def __init__(self, merge_id: str) -> None:
        super().__init__(f"No merge with id '{merge_id}'")
