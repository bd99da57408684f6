"""HTTP as clients expect it: compressed answers, HEAD on every GET, one Vary, and a 400 for a body that is not JSON.

Every route is found by walking the app's routes (not a list kept here), so a route added later is checked too.
"""

from __future__ import annotations

import asyncio
import doctest
import gzip
import http.client
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from apitools import ARTICLE_ID, problem, start
from fastapi.testclient import TestClient
from starlette.responses import StreamingResponse

from app.compression import MINIMUM_SIZE, Compression
from app.head import Head
from app.settings import REPO_SEEDS
from tests.workers.servers import environment, free_port, running, uvicorn_command

TOKEN = "http-token"
IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}
# Answers of every kind: a page, a streamed export (JSON, RDF), a neighbourhood, a picture, the explorer, the docs.
LARGE = ("/v1/entities?limit=200", "/v1/graph", "/v1/graph?format=turtle", "/v1/graph?format=jsonld",
         "/v1/graph?format=cytoscape", "/v1/entities/china/neighborhood?format=turtle", "/v1/graph.svg",
         "/openapi.json", "/")


@pytest.fixture(scope="module")
def api(backend) -> Iterator[TestClient]:
    with start(backend.url("http"), REPO_SEEDS, api_tokens=f"http:{TOKEN}") as c:
        yield c


def raw(client: TestClient, url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    """The answer and its bytes as sent (not decoded)."""
    with client.stream(method, url, headers=headers) as r:
        return r, b"".join(r.iter_raw())


def same(a: bytes, b: bytes) -> bool:
    """The same bytes, or the same RDF (the exports name blank nodes afresh each time, which may reorder them)."""
    def lines(data: bytes) -> list[bytes]:
        return sorted(re.sub(rb"_:[A-Za-z0-9]+", b"_:", line) for line in data.splitlines())

    if a == b or lines(a) == lines(b):
        return True
    from rdflib import Graph
    from rdflib.compare import isomorphic

    return a.startswith(b"@prefix") and isomorphic(Graph().parse(data=a, format="turtle"),
                                                   Graph().parse(data=b, format="turtle"))


def vary(headers) -> list[str]:
    return [f.strip().lower() for v in headers.get_list("vary") for f in v.split(",")]


# --- compression ------------------------------------------------------------------------------------------

def test_the_modules_examples_hold():
    """app/ is not collected for doctests (pytest collects graph/): the examples of these run here."""
    from app import caching, compression, middleware

    for module in (compression, caching, middleware):
        failures, tried = doctest.testmod(module)
        assert tried and not failures, module.__name__


@pytest.mark.parametrize("url", LARGE)
def test_large_answers_are_gzipped_for_a_client_that_asks(api, url):
    plain, plain_bytes = raw(api, url, IDENTITY)
    assert plain.status_code == 200 and len(plain_bytes) >= MINIMUM_SIZE
    assert "content-encoding" not in plain.headers and "accept-encoding" in vary(plain.headers)
    r, sent = raw(api, url, GZIP)
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert same(gzip.decompress(sent), plain_bytes)
    assert len(sent) < len(plain_bytes) / 2
    assert "accept-encoding" in vary(r.headers)
    if "content-length" in r.headers:  # a whole answer: the encoded length; a streamed one has none
        assert int(r.headers["content-length"]) == len(sent)
    if "etag" in plain.headers:  # the bytes differ from the identity answer's: the tag is weak
        assert r.headers["etag"] == "W/" + plain.headers["etag"].removeprefix("W/")
    # httpx (what the test client is) decodes it by itself
    assert same(api.get(url).content, plain_bytes)


def test_small_answers_are_not_compressed_but_vary(api):
    r, sent = raw(api, "/v1/entities/daskal", GZIP)
    assert len(sent) < MINIMUM_SIZE and "content-encoding" not in r.headers
    assert "accept-encoding" in vary(r.headers)
    assert r.headers["etag"].startswith('"')  # identity bytes: the strong tag stands


@pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "br", "gzip;q=0, *;q=0", ""])
def test_no_compression_unless_gzip_is_accepted(api, accept):
    r, sent = raw(api, "/v1/graph", {"Accept-Encoding": accept})
    assert r.status_code == 200 and "content-encoding" not in r.headers
    assert sent.startswith(b"{")


@pytest.mark.parametrize("accept", ["GZIP", "deflate, gzip;q=0.5", "*", "br;q=1, gzip;q=0.1"])
def test_gzip_named_any_way_is_used(api, accept):
    r, sent = raw(api, "/v1/graph", {"Accept-Encoding": accept})
    assert r.headers["content-encoding"] == "gzip" and gzip.decompress(sent).startswith(b"{")


def test_what_is_compressed_already_is_not_compressed_again(api):
    r, sent = raw(api, "/v1/graph?format=csv", GZIP)  # a zip
    assert r.status_code == 200 and "content-encoding" not in r.headers and sent[:2] == b"PK"


def test_etag_revalidates_across_encodings(api):
    url = "/v1/graph?format=cytoscape"
    gz = api.get(url, headers=GZIP)
    plain = api.get(url, headers=IDENTITY)
    weak, strong = gz.headers["etag"], plain.headers["etag"]
    assert weak == "W/" + strong
    for tag in (weak, strong):
        for enc in (GZIP, IDENTITY):
            r, sent = raw(api, url, {"If-None-Match": tag, **enc})
            assert r.status_code == 304 and sent == b"", (tag, enc)
            assert r.headers["etag"] == tag  # the tag as the client holds it
            assert "content-encoding" not in r.headers and "accept-encoding" in vary(r.headers)
    assert api.get(url, headers={"If-None-Match": '"other"', **GZIP}).status_code == 200


def test_a_streamed_answer_is_compressed_chunk_by_chunk():
    """Each chunk goes out compressed and flushed before the next is made: a stream stays a stream."""
    chunks = [b"<triple/>" * 4000 for _ in range(3)]
    sent: list[dict] = []
    made = 0

    async def body():
        nonlocal made
        for c in chunks:
            made += 1
            yield c

    async def app(scope, receive, send):
        await StreamingResponse(body(), media_type="text/turtle")(scope, receive, send)

    async def send(message):
        if message["type"] == "http.response.body":
            message = {**message, "made": made}
        sent.append(message)

    async def receive():
        await asyncio.Event().wait()  # the client never goes away

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept-encoding", b"gzip")],
             "asgi": {"spec_version": "2.4"}}
    asyncio.run(Compression(app)(scope, receive, send))
    start, *bodies = sent
    headers = dict(start["headers"])
    assert headers[b"content-encoding"] == b"gzip" and b"content-length" not in headers
    decoder = zlib.decompressobj(31)
    for i, c in enumerate(chunks):  # the i-th chunk decodes whole from what was sent before the next was made
        got = b"".join(decoder.decompress(m["body"]) for m in bodies if m["made"] == i + 1)
        assert got == c, i
    assert decoder.eof and not bodies[-1].get("more_body")


# --- HEAD ------------------------------------------------------------------------------------------------

def get_routes(client: TestClient) -> list[str]:
    """Every GET route of the app, path parameters filled from the seed."""
    claim = client.get("/v1/claims").json()["items"][0]["id"]
    fill = {"ref": "china", "article_id": ARTICLE_ID, "merge_id": "1"}
    paths = []
    for route in client.app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for c in contexts:
            if "GET" in (getattr(c, "methods", None) or ()):
                path = c.path
                if path.startswith("/v1/claims/"):
                    path = path.replace("{ref}", claim)
                paths.append(path.format(**fill))
    paths += ["/explorer/app.js", "/explorer/favicon.svg", "/docs-assets/swagger-ui.css"]  # the mounts' files
    assert len(paths) > 25 and "/healthz" in paths and "/openapi.json" in paths
    return paths


def test_every_get_route_answers_head(api):
    for path in get_routes(api):
        # a GET that needs the token
        headers = {"Authorization": f"Bearer {TOKEN}"} if path.endswith("/sheet") else {}
        got = api.get(path, headers=headers | IDENTITY)
        head, sent = raw(api, path, headers | GZIP, method="HEAD")  # HEAD asks for identity whatever it accepts
        assert head.status_code == got.status_code != 405, path
        assert sent == b"", path
        ours = {k: v for k, v in head.headers.items() if k != "date"}
        theirs = {k: v for k, v in got.headers.items() if k != "date"}
        assert ours == theirs, path
        if "content-length" in got.headers:
            assert int(head.headers["content-length"]) == len(got.content), path


def test_head_is_not_in_the_openapi(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert not [p for p, ops in paths.items() if "head" in ops]


def test_head_answers_conditionally_too(api):
    etag = api.get("/v1/claims", headers=IDENTITY).headers["etag"]
    r = api.head("/v1/claims", headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""


def test_405_names_head_where_get_is_served(api):
    r = api.delete("/healthz")
    problem(r, 405)
    assert r.headers["allow"] == "GET, HEAD"


def test_a_browser_may_send_head_across_origins(api):
    """A HEAD with a header that is not CORS-safelisted is preflighted: the preflight must allow HEAD."""
    pre = api.options("/v1/entities/china", headers={"Origin": "https://example.org",
                                                       "Access-Control-Request-Method": "HEAD",
                                                       "Access-Control-Request-Headers": "authorization"})
    assert pre.status_code == 200 and "HEAD" in pre.headers["access-control-allow-methods"]


def test_head_stops_a_streamed_answer_after_its_headers():
    """A whole-graph export is streamed without a length: HEAD sends its headers and stops it."""
    made = 0

    async def endless():
        nonlocal made
        while made < 10_000:
            made += 1
            yield b"x" * 100
            await asyncio.sleep(0)

    async def app(scope, receive, send):
        assert scope["method"] == "GET"
        await StreamingResponse(endless(), media_type="text/turtle")(scope, receive, send)

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        await asyncio.Event().wait()

    scope = {"type": "http", "method": "HEAD", "path": "/", "headers": [], "asgi": {"spec_version": "2.3"}}
    asyncio.run(Head(app)(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == b"" and not sent[1].get("more_body")
    assert made < 100  # stopped, not written out to the end


# --- Vary ------------------------------------------------------------------------------------------------

def test_vary_names_each_field_once(api):
    origin = {"Origin": "https://example.org"}
    for path in [*get_routes(api), "/v1/entities/nobody", "/v1/graph?format=nothing"]:
        for headers in ({}, origin, {"Accept": "text/turtle", **origin}):
            r = api.get(path, headers=headers)
            fields = vary(r.headers)
            assert len(r.headers.get_list("vary")) <= 1, path
            assert len(fields) == len(set(fields)), (path, r.headers.get("vary"))
            etag = r.headers.get("etag")
            if etag:
                again = api.get(path, headers={"If-None-Match": etag, **headers})
                fields = vary(again.headers)
                assert len(fields) == len(set(fields)), (path, again.headers.get("vary"))


def test_exports_vary_on_accept_and_encoding(api):
    fields = vary(api.get("/v1/graph?format=turtle", headers={"Origin": "https://example.org"}).headers)
    assert fields.count("accept") == 1 and fields.count("accept-encoding") == 1


# --- a body that is not JSON -------------------------------------------------------------------------------

def body_routes(client: TestClient) -> list[tuple[str, str]]:
    routes = []
    for route in client.app.routes:
        for c in route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else []:
            if c.dependant.body_params or c.path.startswith("/v1/sparql"):
                for method in c.methods:
                    routes.append((method, c.path.format(ref="china", article_id=ARTICLE_ID, merge_id="1")))
    return routes


@pytest.mark.parametrize("body", [b"{bad", b'{"a": 1', b"[1,", b'{"a": NaN}'])
def test_a_body_that_is_not_json_is_a_400_on_every_route_that_takes_json(api, body):
    routes = body_routes(api)
    assert {("POST", "/v1/articles"), ("PUT", f"/v1/articles/{ARTICLE_ID}"),
            ("POST", "/v1/entities/china/merge")} <= set(routes)
    for method, path in routes:
        if path == "/v1/sparql":
            continue  # takes no JSON: a JSON body is a 415 (tests/api/test_api_sparql.py)
        r = api.request(method, path, content=body,
                        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        problem(r, 400, type="https://storygraph.dev/problems/malformed-body")


# --- a real server, real clients -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    tmp: Path = tmp_path_factory.mktemp("http")
    with running("http", uvicorn_command(free_port()), environment(f"sqlite:///{tmp / 'http.db'}", REPO_SEEDS),
                 tmp / "http.log") as srv:
        yield srv


def exchange(server, method: str, path: str, headers: dict[str, str] | None = None):
    """One request on a connection of its own (uvicorn closes one idle for 5 s): status, headers, bytes as sent."""
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()  # not decoded, de-chunked
    finally:
        conn.close()


def test_a_real_server_streams_gzip_and_answers_head(server):
    status, headers, sent = exchange(server, "GET", "/v1/graph?format=turtle", GZIP)
    assert status == 200 and headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert headers.get("transfer-encoding") == "chunked"  # streamed
    plain = exchange(server, "GET", "/v1/graph?format=turtle", IDENTITY)[2]
    assert same(gzip.decompress(sent), plain) and len(sent) < len(plain) / 5
    for path in ("/healthz", "/v1/graph?format=turtle", "/v1/entities/china"):
        status, got, body = exchange(server, "GET", path, IDENTITY)
        head_status, head, nothing = exchange(server, "HEAD", path)
        assert nothing == b"" and head_status == status == 200, path
        assert head.get("content-length") == got.get("content-length"), path
        if "content-length" in got:
            assert int(head["content-length"]) == len(body)
    with httpx2.Client(base_url=server.url, timeout=60) as client:  # a client with its defaults: asks for gzip
        r = client.get("/v1/graph?format=cytoscape")
        assert r.headers["content-encoding"] == "gzip" and r.json()["elements"]
        assert client.head("/healthz").status_code == 200
