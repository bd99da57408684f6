"""Read-only SPARQL 1.1 over the RDF view of the graph, with pyoxigraph as the engine.

:func:`store_for` loads the RDF view of the index (:mod:`graph.semantic.rdf`) into an in-memory
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
* **A check that cannot be made slow.** :func:`check_allowed` reads the text
  in one forward pass (:func:`_scan`), lexing as pyoxigraph does, and runs in
  the child, inside the time budget; only the length cap runs in the server.
  Brackets nested past :data:`MAX_NESTING`, or a query the engine's recursive
  parser overflows its stack on, is :class:`~graph.errors.QueryTooComplex` (400):
  the client's query, not a server limit.
* **A time budget that stops the query.** pyoxigraph evaluates in Rust and
  cannot be interrupted from another Python thread, so each query runs in a
  child process forked from the server, which inherits the store for free
  (copy-on-write); the server waits at most ``timeout`` seconds for its answer
  and then kills it (``SIGKILL``) and raises
  :class:`~graph.errors.QueryTimeout` (504). The child also runs under
  ``RLIMIT_CPU`` (a backstop if the server itself dies), ``RLIMIT_AS`` (a
  memory budget over what it inherited: :class:`~graph.errors.QueryAborted`,
  503, when exceeded), ``RLIMIT_NOFILE`` at its lowest free descriptor (no
  new file or socket can be opened) and, on Linux, a seccomp filter
  (:mod:`graph.semantic.sandbox`) that kills it if it tries to open a socket at all:
  that death is reported as the ``SERVICE`` it was (400). The child closes
  every descriptor it inherited but its own two pipes (another query's pipe
  held open in a sibling would hide that query's death until its deadline).
  How many queries run at once is the API's business (``app/gates.py``).
  This needs ``fork`` (Linux, macOS).
* **Capped answers.** At most ``max_rows`` solutions (or triples) come back;
  :attr:`QueryResult.truncated` says whether more were cut off.

Serialisers write the SPARQL 1.1 results formats (JSON, CSV, TSV) and, for
graph results, Turtle or N-Triples. CSV is safe to open in a spreadsheet
(:func:`results_csv`). The XML formats (results XML, RDF/XML) and JSON-LD
are in :mod:`graph.semantic.sparql_formats`.
"""

from __future__ import annotations

import csv
import faulthandler
import io
import json
import multiprocessing
import os
import re
import resource
import signal
import tempfile
import time
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from graph.errors import QueryAborted, QueryInvalid, QueryRefused, QueryTimeout, QueryTooComplex
from graph.indexing import memo
from graph.readwrite.tabular import spreadsheet_safe
from graph.semantic import sandbox
from graph.semantic.rdf import PREFIXES, build_rdf
from graph.semantic.sparql_formats import serialize

if TYPE_CHECKING:
    from graph.indexing.index import GraphIndex

DEFAULT_TIMEOUT = 5.0  # seconds
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MEMORY_MB = 1024  # address space a query may add to what it inherits
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

def store_for(ix: GraphIndex) -> ox.Store:
    """The pyoxigraph store of the index's RDF view, built on first use per revision (kept in its memo).

    The RDF view is written as N-Triples by a forked child (:func:`_write_rdf`),
    and the store loads the file here, in Rust, without the interpreter's lock.
    Built in this process, the view (1.6 million triples for 1,000 articles)
    held that lock in long calls for over a minute, and the event loop, so
    ``/healthz``, waited on each of them. Queries that arrive while it is
    built wait for that one build (:mod:`graph.indexing.memo`'s single flight).
    """
    store: ox.Store = memo.get(ix, "sparql-store", None, lambda: _build_store(ix), size=1)
    return store


def _build_store(ix: GraphIndex) -> ox.Store:
    store = ox.Store()
    with tempfile.TemporaryDirectory(prefix="storygraph-rdf-") as tmp:
        path = os.path.join(tmp, "graph.nt")
        _write_rdf(ix, path)
        store.load(path=path, format=ox.RdfFormat.N_TRIPLES)
    return store


BUILD_TIMEOUT = 1800.0  # seconds a child may take to write the RDF view


def _write_rdf(ix: GraphIndex, path: str) -> None:
    """Write the RDF view of ``ix`` to ``path`` in a forked child, which sees the index as it is now.

    The caller holds the index for reading, so the child's copy is one revision.
    """
    child = multiprocessing.get_context("fork").Process(target=_rdf_child, args=(ix, path), daemon=True)
    child.start()
    child.join(BUILD_TIMEOUT)
    if child.is_alive():
        child.kill()
        child.join()
    if child.exitcode != 0:
        raise QueryAborted(child.exitcode, reason=f"the graph's RDF view could not be built for querying "
                                                  f"(exit code {child.exitcode})")


def _rdf_child(ix: GraphIndex, path: str) -> None:
    faulthandler.disable()
    data = build_rdf(ix).serialize(format="nt", encoding="utf-8")
    with open(path, "wb") as out:
        out.write(data)




# --- reading the text as the engine does, in one pass ----------------------

MAX_NESTING = 128  # brackets inside brackets; the engine's parser recurses, and overflows its stack near 2,000

# One lexeme of SPARQL at a time, always in one forward step: every alternative either
# matches from where it starts or fails at once, and a string that is never closed runs to
# the end of the text instead of failing (which is what made the old pre-check quadratic).
# Like pyoxigraph 0.5 (tests/graph/test_sparql_hostile.py holds it to this), and unlike
# SPARQL 1.1 §19.2, ``\u``/``\U`` escapes mean something only inside strings and IRIs:
# the text is never unescaped first, so ``"\u0022"`` is a string holding one quote.
_LEXEME = re.compile(
    r"""
      (?P<space>\s++)
    | (?P<comment>\#[^\n\r]*+)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*+(?:'''|\\?\Z)
                |\"\"\"(?:[^"\\]|\\.|"(?!""))*+(?:\"\"\"|\\?\Z)
                |'(?:[^'\\]|\\.)*+(?:'|\\?\Z)
                |"(?:[^"\\]|\\.)*+(?:"|\\?\Z))
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>)
    | (?P<bracket>[(){}\[\]])
    | (?P<code>(?:[^\s\#'"<(){}\[\]\\]|\\.)++|[<\\])
    """,
    re.X | re.S,
)
# After one of these the next token starts an operand, so a '<' there can only open an IRI.
_BEFORE_OPERAND = frozenset("(,{[;=!&|+-*/<^")
# Where the text of an IRI and of code would read differently: a quote or '#' opens a string
# or comment in code, brackets move the nesting, and SERVICE is what this is all about.
_CODE_IN_IRI = re.compile(r"['#()]|service", re.I)
_WORD = re.compile(r"[?$]?[\w\-%:][\w\-.:%]*+")
# SERVICE as the engine would read it: anywhere in the code (pyoxigraph reads "1SERVICE",
# "trueSERVICE" and "SERVICE:x" as the keyword), except inside a variable, a language tag, a
# blank node label or the local part of a prefixed name, which the engine reads greedily.
# Deliberately broad ("ex:a.SERVICE" and a prefix named "service:" count): a false alarm
# costs a 400, a miss is stopped by the child's sandbox.
_SERVICE = re.compile(
    r"""
      (?P<name>[?$]\w++|@[A-Za-z]++(?:-[A-Za-z0-9]++)*+|_:[\w\-]++|:(?:[\w\-:%]|\\.)*+)
    | (?P<service>(?i:SERVICE))
    | [^?$@_:sS]++
    | .
    """,
    re.X | re.S,
)


@dataclass
class _Scan:
    code: str  # the query with comments, strings and IRIs blanked out
    depth: int  # the deepest nesting of brackets
    too_deep_at: int | None  # where a bracket first went past MAX_NESTING
    ambiguous_at: int | None = None  # a '<' that could open an IRI or compare two values


def _scan(query: str) -> _Scan:
    """Lex ``query`` once, left to right; each step consumes at least one character.

    Besides blanking, it decides each ``<`` the way the engine could: after an
    operand inside an expression's parentheses (``FILTER(?a<'>'...``) it may
    compare, elsewhere it opens an IRI. Where both readings are possible and
    would lex the rest differently, the position is kept for a refusal.
    """
    pieces: list[str] = []
    stack: list[str] = []  # "e": an expression's '(', "t": another '(' (a list, a path, a VALUES row), "{", "["
    operand = False  # whether the last token could end an operand (so a '<' next could compare)
    last = ""  # the last significant character of code
    closed = ""  # the kind of the bracket just closed, if the last token closed one
    depth, too_deep_at, ambiguous_at = 0, None, None
    pos, end = 0, len(query)
    while pos < end:
        m = _LEXEME.match(query, pos)
        assert m is not None and m.end() > pos  # every character starts some alternative
        kind, text = m.lastgroup, m.group()
        if kind == "space":
            pieces.append(text)
            pos = m.end()
            continue
        if kind == "comment":
            pieces.append(" ")
            pos = m.end()
            continue
        if kind in ("string", "iri"):
            if (kind == "iri" and operand and stack and stack[-1] == "e" and ambiguous_at is None
                    and _CODE_IN_IRI.search(text)):
                ambiguous_at = pos
            pieces.append(" ")
            operand, closed, last = True, "", text[-1]
        elif kind == "bracket":
            pieces.append(text)
            if text in "([{":
                kind = text
                if text == "(":
                    # A list, a path or a VALUES row when it opens where a group's triples go;
                    # an expression otherwise (and when in doubt: only there can '<' compare).
                    in_group = bool(stack) and stack[-1] in "{[t"
                    kind = "t" if in_group and ((last in "{.;,[" and last) or closed == "t"
                                                or (last == "(" and stack[-1] == "t")) else "e"
                stack.append(kind)
                depth = max(depth, len(stack))
                if too_deep_at is None and depth > MAX_NESTING:
                    too_deep_at = pos
                operand = False
                closed = ""
            else:
                closed = stack.pop() if stack else ""
                operand = True
            last = text
        else:
            pieces.append(text)
            last = text[-1]
            operand, closed = last not in _BEFORE_OPERAND, ""
        pos = m.end()
    return _Scan("".join(pieces), depth, too_deep_at, ambiguous_at)


def code(query: str) -> str:
    """The query with its comments, strings and IRIs blanked out: what is left is syntax.

    >>> code('PREFIX s: <http://x#> # SERVICE\\nSELECT * { ?s s:p "SERVICE" }').split()
    ['PREFIX', 's:', 'SELECT', '*', '{', '?s', 's:p', '}']
    >>> code('SELECT * { BIND("\\\\u0022" AS ?x) }').split()  # an escape inside a string stays inside
    ['SELECT', '*', '{', 'BIND(', 'AS', '?x)', '}']
    """
    return _scan(query).code


def keywords(query: str) -> list[str]:
    """The words of ``query`` in order, upper-cased, leaving out variables.

    >>> keywords('PREFIX s: <http://x#> SELECT * { ?s s:p "SERVICE" }')
    ['PREFIX', 'S:', 'SELECT', 'S:P']
    """
    return _keywords(code(query))


def _keywords(syntax: str) -> list[str]:
    return [w.upper() for w in _WORD.findall(syntax) if not w.startswith(("?", "$"))]


def operation(query: str) -> str | None:
    """The first keyword after the prologue (``BASE``/``PREFIX`` declarations), upper-cased.

    >>> operation("PREFIX ex: <http://e/> insert data { ex:a ex:b ex:c }")
    'INSERT'
    """
    return _operation(_keywords(code(query)))


def _operation(words: list[str]) -> str | None:
    i = 0
    while i < len(words) and words[i] in ("BASE", "PREFIX", "VERSION"):
        i += 2 if words[i] == "PREFIX" else 1  # PREFIX pname: <iri>; BASE <iri>; the IRIs are not words
    return words[i] if i < len(words) else None


def calls_service(syntax: str) -> bool:
    """Whether the code of a query (see :func:`code`) has ``SERVICE`` where the engine may read the keyword.

    >>> calls_service("SELECT * { ?a ?b 1SERVICE  {} }"), calls_service("SELECT * { SERVICE:x {} }")
    (True, True)
    >>> calls_service("SELECT ?service { ?s ex:service ?o ; ex:a-SERVICE ?p }")
    False
    """
    return any(m.lastgroup == "service" for m in _SERVICE.finditer(syntax))


def _position(query: str, pos: int) -> tuple[int, int]:
    """Line and column (from 1) of ``pos``, as the parser reports them."""
    return query.count("\n", 0, pos) + 1, pos - (query.rfind("\n", 0, pos) + 1) + 1


def check_allowed(query: str) -> None:
    """Refuse what must never run, before anything runs: updates, ``SERVICE``, and what cannot be read safely.

    Linear in the length of the query (one pass of :func:`_scan`, then regular
    expressions that never backtrack); :func:`run_query` runs it in the child
    process, inside the query's time budget.

    >>> check_allowed('SELECT * WHERE { BIND("\\\\u0022" AS ?x) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }')
    Traceback (most recent call last):
    graph.errors.QueryRefused: SERVICE (federated query) is not allowed: queries run over this graph only
    """
    if len(query) > MAX_QUERY_CHARS:
        raise QueryInvalid(f"The query is {len(query)} characters long; at most {MAX_QUERY_CHARS} are accepted")
    scan = _scan(query)
    op = _operation(_keywords(scan.code))
    if op in UPDATE_KEYWORDS:
        raise QueryRefused(f"SPARQL updates are not allowed: this endpoint is read-only ('{op}' is an update "
                           f"operation); send a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    if calls_service(scan.code):
        raise QueryRefused("SERVICE (federated query) is not allowed: queries run over this graph only")
    if scan.too_deep_at is not None:
        line, column = _position(query, scan.too_deep_at)
        raise QueryTooComplex(f"Brackets are nested {scan.depth} deep; at most {MAX_NESTING} levels are accepted "
                              f"(the first one too many is at line {line}, column {column})",
                              line=line, column=column)
    if scan.ambiguous_at is not None:
        line, column = _position(query, scan.ambiguous_at)
        raise QueryInvalid(f"At line {line}, column {column}, '<' could begin an IRI or compare two values, and "
                           f"the two readings differ; if it compares, put a space after it",
                           line=line, column=column)


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
        data = serialize(triples, ox.RdfFormat.N_TRIPLES) if triples else b""
        result = QueryResult("graph", triples=data, count=len(triples), truncated=truncated)
    result.elapsed = time.monotonic() - started
    return result


def _confine(timeout: float, memory_mb: int | None, stderr: int) -> None:
    """Limits for the child: CPU seconds, address space, no new file descriptors, no sockets.

    Its stderr goes to a pipe the parent reads only to tell why a child died
    (the Rust runtime's last words: a failed allocation, or a panic in the
    HTTP client that ``SERVICE`` would use); the server log need not carry them.
    No core file either: a child killed for reaching for a socket or for
    overflowing its stack would otherwise leave one.
    """
    os.dup2(stderr, 2)
    os.close(stderr)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
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
    sandbox.forbid_sockets()  # where it cannot (not Linux), RLIMIT_NOFILE above still stops a new socket


def _close_inherited(keep: tuple[int, ...]) -> None:
    """Close every descriptor above stderr but ``keep``: the server's sockets, files and other queries' pipes."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def _child(store: ox.Store, query: str, max_rows: int, timeout: float, memory_mb: int | None, conn: Connection,
           stderr: int, checked: bool = True) -> None:
    # A query that hits the memory budget aborts this process; the parent reports it
    # (QueryAborted). A traceback dump of the child on stderr would only be noise.
    faulthandler.disable()
    _close_inherited(keep=(conn.fileno(), stderr))
    try:
        _confine(timeout, memory_mb, stderr)
        if checked:
            check_allowed(query)
        message: tuple[Any, ...] = ("ok", evaluate(store, query, max_rows))
    except QueryRefused as exc:  # the check's refusals go back as data: the parent raises them again
        message = ("refused", exc.detail)
    except QueryInvalid as exc:
        message = ("invalid", type(exc).__name__, exc.detail, exc.line, exc.column)
    except SyntaxError as exc:
        message = ("syntax", str(exc))
    except OSError as exc:  # an in-memory store does no I/O of its own: this is a SERVICE call failing
        message = ("refused", "SERVICE (federated query) is not allowed: the query tried to reach another "
                              f"endpoint and was stopped ({exc}); queries run over this graph only")
    except MemoryError:
        message = ("memory", "")
    except BaseException as exc:
        message = ("error", f"{type(exc).__name__}: {exc}")
    try:
        conn.send(message)
    finally:
        conn.close()


# --- the server side ------------------------------------------------------

_LINE_COLUMN = re.compile(r"error at (\d+):(\d+)")
_CHECK_ERRORS = {cls.__name__: cls for cls in (QueryInvalid, QueryTooComplex)}


def run_query(ix: GraphIndex, query: str, *, timeout: float = DEFAULT_TIMEOUT,
              max_rows: int = DEFAULT_MAX_ROWS, memory_mb: int | None = DEFAULT_MEMORY_MB) -> QueryResult:
    """Answer a read-only SPARQL query over the RDF view of ``ix``, within ``timeout`` seconds.

    >>> from graph.testing import seed_index
    >>> r = run_query(seed_index(), 'ASK { <https://storygraph.dev/id/china> ?p ?o }')
    >>> r.form, r.boolean
    ('ask', True)
    """
    if timeout <= 0 or max_rows < 0:
        raise ValueError("timeout must be positive and max_rows non-negative")
    if len(query) > MAX_QUERY_CHARS:  # the one check cheap enough for the server; the rest run in the child
        raise QueryInvalid(f"The query is {len(query)} characters long; at most {MAX_QUERY_CHARS} are accepted")
    store = store_for(ix)
    return _run_in_child(store, query, time.monotonic() + timeout, timeout, max_rows, memory_mb)


def _run_in_child(store: ox.Store, query: str, deadline: float, timeout: float, max_rows: int,
                  memory_mb: int | None, *, checked: bool = True) -> QueryResult:
    """Check and evaluate ``query`` in a forked child; ``checked=False`` skips the check (tests of the sandbox)."""
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    last_words, stderr = os.pipe()
    os.set_blocking(stderr, False)  # a child that says too much loses the rest rather than hangs
    child = ctx.Process(target=_child, args=(store, query, max_rows, timeout, memory_mb, sender, stderr, checked),
                        daemon=True)
    try:
        child.start()
    finally:
        sender.close()
        os.close(stderr)
    try:
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            raise QueryTimeout(timeout)
        try:
            message = receiver.recv()
        except EOFError:  # the child died without answering: killed by a limit, or by the sandbox
            child.join(1)
            raise _death(child.exitcode, _read_some(last_words)) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
        os.close(last_words)
    kind, payload = message[0], message[1]
    if kind == "ok":
        result: QueryResult = payload
        return result
    if kind == "refused":
        raise QueryRefused(payload)
    if kind == "invalid":
        _, name, detail, line, column = message
        raise _CHECK_ERRORS[name](detail, line=line, column=column)
    if kind == "syntax":
        m = _LINE_COLUMN.search(payload)
        raise QueryInvalid(f"Malformed SPARQL query: {payload}", parser_message=payload,
                           line=int(m[1]) if m else None, column=int(m[2]) if m else None)
    if kind == "memory":
        raise QueryAborted(None, reason="it needed more memory than a query may use")
    raise QueryAborted(None, reason=payload)


def _read_some(fd: int, limit: int = 8192) -> str:
    """What the dead child wrote to stderr, at most ``limit`` bytes."""
    os.set_blocking(fd, False)
    try:
        return os.read(fd, limit).decode("utf-8", "replace")
    except OSError:
        return ""


# The HTTP client's panic when it cannot even start (no CA certificates can be read under
# RLIMIT_NOFILE): only a SERVICE call starts it.
_HTTP_CLIENT_PANIC = re.compile(r"panicked at .*(oxhttp|reqwest|hyper|rustls|TLS)", re.S)


def _death(exitcode: int | None, last_words: str = "") -> Exception:
    """What a child that died without answering means, by the signal that ended it and its last words.

    ``SIGSYS``: the sandbox killed it for reaching for a socket, which only
    ``SERVICE`` does (the check missed it; nothing was sent). An abort after a
    panic in the HTTP client: ``SERVICE`` again, to an ``https`` URL, stopped
    before it could connect. Both are 400 ``query-not-allowed``. ``SIGSEGV``: it
    overflowed its stack, which the engine's recursive parser and evaluator do on
    a query nested or chained thousands deep; the client's query, so a 400. Any
    other end (``SIGKILL`` by ``RLIMIT_CPU``, an abort on a failed allocation
    under ``RLIMIT_AS``) is the query stopped by a resource limit: 503.
    """
    if exitcode == -signal.SIGSYS or (exitcode == -signal.SIGABRT and _HTTP_CLIENT_PANIC.search(last_words)):
        return QueryRefused("SERVICE (federated query) is not allowed: the query tried to open a network "
                            "connection and was stopped; queries run over this graph only")
    if exitcode == -signal.SIGSEGV:
        return QueryTooComplex("The query is nested or chained too deeply (brackets, UNIONs, operators) for the "
                               "query engine, which ran out of stack reading it; simplify it")
    return QueryAborted(exitcode)


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
    value: str = term["value"]
    if term["type"] == "bnode":
        return "_:" + value
    if term["type"] == "triple":
        return _tsv_value(term)
    return value


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _csv_cell(value: str) -> str:
    """A value a spreadsheet opens as text or a number, never as a formula.

    >>> print(_csv_cell('=HYPERLINK("http://evil.example","x")'), _csv_cell("-3"), _csv_cell("-1+cmd"))
    '=HYPERLINK("http://evil.example","x") -3 '-1+cmd
    """
    return value if _NUMBER.fullmatch(value) else spreadsheet_safe(value)


def results_csv(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results CSV: plain values, RFC 4180 quoting, CRLF line ends.

    Safe to open in a spreadsheet: a value that starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (OWASP, as in
    ``nodes.csv``, :func:`graph.readwrite.tabular.spreadsheet_safe`), unless it is a plain
    number such as ``-3``, which a spreadsheet reads as a number anyway. TSV needs
    nothing: its cells are N-Triples terms, which start with ``"``, ``<`` or ``_:``.
    """
    out = io.StringIO()
    if result.form == "ask":
        return b"true" if result.boolean else b"false"
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(result.variables)
    for row in result.rows:
        w.writerow([_csv_cell(_csv_value(row.get(v))) for v in result.variables])
    return out.getvalue().encode("utf-8")


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _tsv_value(term: dict[str, Any] | None) -> str:
    if term is None:
        return ""
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
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
    return serialize(triples, ox.RdfFormat.TURTLE, prefixes=PREFIXES)
