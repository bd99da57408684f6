"""Read-only SPARQL 1.1 over the RDF view of the graph, with pyoxigraph as the engine.

:func:`store_for` loads :func:`graph.rdf.rdf_graph` into an in-memory
``pyoxigraph.Store`` once per graph revision (the index never changes within a
revision). :func:`run_query` answers one query:

* **Only queries.** pyoxigraph's query parser decides what the text is: a
  ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE`` runs; anything it rejects
  is a :class:`~graph.errors.QueryInvalid` (400) carrying the parser's message,
  except that a text whose first keyword after the prologue is an update
  operation (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR`` ...) is reported as
  :class:`~graph.errors.QueryRefused` (400) saying so. Nothing ever calls
  ``Store.update``.
* **No remote access.** ``SERVICE`` (federated query: pyoxigraph would fetch
  the URL) is refused before evaluation, and the process that evaluates the
  query cannot open a file or socket anyway (see below).
* **A time budget that stops the query.** pyoxigraph evaluates in Rust and
  cannot be interrupted from another Python thread, so each query runs in a
  child process forked from the server, which inherits the store for free
  (copy-on-write); the server waits at most ``timeout`` seconds for its answer
  and then kills it (``SIGKILL``) and raises
  :class:`~graph.errors.QueryTimeout` (504). The child also runs under
  ``RLIMIT_CPU`` (a backstop if the server itself dies), ``RLIMIT_AS`` (a
  memory budget over what it inherited: :class:`~graph.errors.QueryAborted`,
  503, when exceeded) and ``RLIMIT_NOFILE`` at its lowest free descriptor (no
  new file or socket can be opened). At most :data:`MAX_CONCURRENT` queries run
  at once; more wait up to the time budget, then get
  :class:`~graph.errors.QueryBusy` (503). This needs ``fork`` (Linux, macOS).
* **Capped answers.** At most ``max_rows`` solutions (or triples) come back;
  :attr:`QueryResult.truncated` says whether more were cut off.

Serialisers write the SPARQL 1.1 results formats (JSON, CSV, TSV) and, for
graph results, Turtle or N-Triples.
"""

from __future__ import annotations

import csv
import io
import faulthandler
import json
import multiprocessing
import os
import re
import resource
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .errors import QueryAborted, QueryBusy, QueryInvalid, QueryRefused, QueryTimeout
from .rdf import PREFIXES, rdf_graph

if TYPE_CHECKING:
    from .index import GraphIndex

DEFAULT_TIMEOUT = 5.0  # seconds
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MEMORY_MB = 1024  # address space a query may add to what it inherits
MAX_CONCURRENT = max(2, os.cpu_count() or 2)
MAX_QUERY_CHARS = 100_000

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@dataclass
class QueryResult:
    """One answer: ``form`` is ``select``, ``ask`` or ``graph`` (CONSTRUCT and DESCRIBE).

    ``rows`` hold SPARQL JSON terms (``{"type": "uri", "value": ...}``) by
    variable name, unbound variables left out; ``triples`` hold the graph
    result as N-Triples.
    """

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, dict[str, Any]]] = field(default_factory=list)
    boolean: bool | None = None
    triples: bytes = b""
    count: int = 0  # rows or triples returned
    truncated: bool = False
    elapsed: float = 0.0


# --- the store, once per revision ----------------------------------------

_STORES: OrderedDict[str, ox.Store] = OrderedDict()
_STORES_LOCK = threading.Lock()
_STORES_KEPT = 2


def store_for(ix: "GraphIndex") -> ox.Store:
    """The pyoxigraph store of the index's RDF view, built on first use per revision."""
    with _STORES_LOCK:
        store = _STORES.get(ix.revision)
        if store is None:
            store = ox.Store()
            data = rdf_graph(ix).serialize(format="nt", encoding="utf-8")
            store.load(data, format=ox.RdfFormat.N_TRIPLES)
            _STORES[ix.revision] = store
            while len(_STORES) > _STORES_KEPT:
                _STORES.popitem(last=False)
        else:
            _STORES.move_to_end(ix.revision)
        return store


# --- reading the text just enough to word the refusals --------------------

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LEXEME = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    """,
    re.X | re.S,
)
_WORD = re.compile(r"[?$]?[\w\-%:][\w\-.:%]*")
# SERVICE as a keyword: not part of a prefixed name or a variable. Deliberately broad
# ("ex:a.SERVICE" counts too): a false alarm costs a 400, a miss would cost a fetch.
_SERVICE = re.compile(r"(?<![\w:?$\\])SERVICE(?![\w:])", re.I)


def _unescape(text: str) -> str:
    """SPARQL applies ``\\u``/``\\U`` escapes before parsing (SPARQL 1.1 §19.2); so must we."""
    def sub(m: re.Match) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except ValueError:
            return m.group(0)
    return _UNICODE_ESCAPE.sub(sub, text)


def code(query: str) -> str:
    """The query with its comments, strings and IRIs blanked out: what is left is syntax.

    >>> code('PREFIX s: <http://x#> # SERVICE\\nSELECT * { ?s s:p "SERVICE" }').split()
    ['PREFIX', 's:', 'SELECT', '*', '{', '?s', 's:p', '}']
    """
    return _LEXEME.sub(" ", _unescape(query))


def keywords(query: str) -> list[str]:
    """The words of ``query`` in order, upper-cased, leaving out variables.

    >>> keywords('PREFIX s: <http://x#> SELECT * { ?s s:p "SERVICE" }')
    ['PREFIX', 'S:', 'SELECT', 'S:P']
    """
    return [w.upper() for w in _WORD.findall(code(query)) if not w.startswith(("?", "$"))]


def operation(query: str) -> str | None:
    """The first keyword after the prologue (``BASE``/``PREFIX`` declarations), upper-cased.

    >>> operation("PREFIX ex: <http://e/> insert data { ex:a ex:b ex:c }")
    'INSERT'
    """
    words = keywords(query)
    i = 0
    while i < len(words) and words[i] in ("BASE", "PREFIX", "VERSION"):
        i += 2 if words[i] == "PREFIX" else 1  # PREFIX pname: <iri>; BASE <iri>; the IRIs are not words
    return words[i] if i < len(words) else None


def check_allowed(query: str) -> None:
    """Refuse what must never run, before anything runs: updates and ``SERVICE``."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryInvalid(f"The query is {len(query)} characters long; at most {MAX_QUERY_CHARS} are accepted")
    op = operation(query)
    if op in UPDATE_KEYWORDS:
        raise QueryRefused(f"SPARQL updates are not allowed: this endpoint is read-only ('{op}' is an update "
                           f"operation); send a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    if _SERVICE.search(code(query)):
        raise QueryRefused("SERVICE (federated query) is not allowed: queries run over this graph only")


# --- the child process ----------------------------------------------------

def _term(t: Any) -> dict[str, Any]:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d: dict[str, Any] = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _term(t.subject), "predicate": _term(t.predicate),
                                            "object": _term(t.object)}}
    raise TypeError(f"unexpected term {t!r}")


def evaluate(store: ox.Store, query: str, max_rows: int) -> QueryResult:
    """Run ``query`` on ``store`` in this process, with no time budget: the child's work."""
    started = time.monotonic()
    answer = store.query(query)  # SyntaxError: not a query
    if isinstance(answer, ox.QueryBoolean):
        result = QueryResult("ask", boolean=bool(answer), count=1)
    elif isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        rows = []
        for solution in islice(answer, max_rows + 1):
            rows.append({v: _term(solution[v]) for v in variables if solution[v] is not None})
        truncated = len(rows) > max_rows
        rows = rows[:max_rows]
        result = QueryResult("select", variables=variables, rows=rows, count=len(rows), truncated=truncated)
    else:
        triples = list(islice(answer, max_rows + 1))
        truncated = len(triples) > max_rows
        triples = triples[:max_rows]
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
        result = QueryResult("graph", triples=data, count=len(triples), truncated=truncated)
    result.elapsed = time.monotonic() - started
    return result


def _confine(timeout: float, memory_mb: int | None) -> None:
    """Limits for the child: CPU seconds, address space, and no new file descriptors.

    Its stderr goes to /dev/null first: a query stopped by the memory budget
    makes the Rust runtime print an abort message the server log need not carry.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    cpu = int(timeout) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    if memory_mb:
        try:
            with open("/proc/self/statm") as f:
                inherited = int(f.read().split()[0]) * resource.getpagesize()
            limit = inherited + memory_mb * 1024 * 1024
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            if hard == resource.RLIM_INFINITY or limit < hard:
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        except (OSError, ValueError):  # no /proc (macOS): no memory budget
            pass
    lowest_free = os.open(os.devnull, os.O_RDONLY)
    os.close(lowest_free)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))


def _child(store: ox.Store, query: str, max_rows: int, timeout: float, memory_mb: int | None, conn) -> None:
    # A query that hits the memory budget aborts this process; the parent reports it
    # (QueryAborted). A traceback dump of the child on stderr would only be noise.
    faulthandler.disable()
    try:
        _confine(timeout, memory_mb)
        message: tuple = ("ok", evaluate(store, query, max_rows))
    except SyntaxError as exc:
        message = ("syntax", str(exc))
    except MemoryError:
        message = ("memory", "")
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as a message
        message = ("error", f"{type(exc).__name__}: {exc}")
    try:
        conn.send(message)
    finally:
        conn.close()


# --- the server side ------------------------------------------------------

_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT)
_LINE_COLUMN = re.compile(r"error at (\d+):(\d+)")


def run_query(ix: "GraphIndex", query: str, *, timeout: float = DEFAULT_TIMEOUT,
              max_rows: int = DEFAULT_MAX_ROWS, memory_mb: int | None = DEFAULT_MEMORY_MB) -> QueryResult:
    """Answer a read-only SPARQL query over the RDF view of ``ix``, within ``timeout`` seconds.

    >>> from graph.testing import seed_index
    >>> r = run_query(seed_index(), 'ASK { <https://storygraph.dev/id/china> ?p ?o }')
    >>> r.form, r.boolean
    ('ask', True)
    """
    if timeout <= 0 or max_rows < 0:
        raise ValueError("timeout must be positive and max_rows non-negative")
    check_allowed(query)
    store = store_for(ix)
    deadline = time.monotonic() + timeout
    if not _SLOTS.acquire(timeout=timeout):
        raise QueryBusy(MAX_CONCURRENT)
    try:
        return _run_in_child(store, query, deadline, timeout, max_rows, memory_mb)
    finally:
        _SLOTS.release()


def _run_in_child(store: ox.Store, query: str, deadline: float, timeout: float, max_rows: int,
                  memory_mb: int | None) -> QueryResult:
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(store, query, max_rows, timeout, memory_mb, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            raise QueryTimeout(timeout)
        try:
            kind, payload = receiver.recv()
        except EOFError:  # the child died without answering: killed by a limit
            child.join(1)
            raise QueryAborted(child.exitcode) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == "ok":
        return payload
    if kind == "syntax":
        if operation(query) in UPDATE_KEYWORDS:  # pragma: no cover - check_allowed refuses these first
            raise QueryRefused("SPARQL updates are not allowed: this endpoint is read-only")
        m = _LINE_COLUMN.search(payload)
        raise QueryInvalid(f"Malformed SPARQL query: {payload}", parser_message=payload,
                           line=int(m[1]) if m else None, column=int(m[2]) if m else None)
    if kind == "memory":
        raise QueryAborted(None, reason="it needed more memory than a query may use")
    raise QueryAborted(None, reason=payload)


# --- serialisers ----------------------------------------------------------

def results_json(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results JSON; a ``truncated`` member says whether rows were cut off."""
    # ``truncated`` before the results: streaming parsers (pyoxigraph's) stop reading at their end.
    if result.form == "ask":
        doc: dict[str, Any] = {"head": {}, "truncated": result.truncated, "boolean": bool(result.boolean)}
    else:
        doc = {"head": {"vars": result.variables}, "truncated": result.truncated,
               "results": {"bindings": result.rows}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _csv_value(term: dict[str, Any] | None) -> str:
    if term is None:
        return ""
    if term["type"] == "bnode":
        return "_:" + term["value"]
    if term["type"] == "triple":
        return _tsv_value(term)
    return term["value"]


def results_csv(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results CSV: plain values, RFC 4180 quoting, CRLF line ends."""
    out = io.StringIO()
    if result.form == "ask":
        return b"true" if result.boolean else b"false"
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(result.variables)
    for row in result.rows:
        w.writerow([_csv_value(row.get(v)) for v in result.variables])
    return out.getvalue().encode("utf-8")


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _tsv_value(term: dict[str, Any] | None) -> str:
    if term is None:
        return ""
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return "_:" + value
    if kind == "triple":
        return "<< " + " ".join(_tsv_value(value[k]) for k in ("subject", "predicate", "object")) + " >>"
    text = '"' + "".join(_ESCAPES.get(c, c) for c in value) + '"'
    if "xml:lang" in term:
        return f"{text}@{term['xml:lang']}"
    if "datatype" in term:
        return f"{text}^^<{term['datatype']}>"
    return text


def results_tsv(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results TSV: ``?var`` headers, terms in N-Triples syntax."""
    if result.form == "ask":
        return b"true" if result.boolean else b"false"
    lines = ["\t".join("?" + v for v in result.variables)]
    lines += ["\t".join(_tsv_value(row.get(v)) for v in result.variables) for row in result.rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def graph_ntriples(result: QueryResult) -> bytes:
    return result.triples


def graph_turtle(result: QueryResult) -> bytes:
    """A CONSTRUCT/DESCRIBE answer as Turtle with the export's prefixes."""
    if not result.triples:
        return b""
    triples = ox.parse(result.triples, format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
