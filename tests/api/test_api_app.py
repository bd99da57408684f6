"""The application around the endpoints: health, errors, CORS, OpenAPI, seeding, settings."""

from apitools import ARTICLE_ID, PROBLEM, problem, start
from sqlmodel import Session, select

from app.settings import REPO_SEEDS, Settings
from graph.algorithms import queries
from graph.storage.tables import ArticleRow

PATHS = {
    "/v1/entities", "/v1/entities/{ref}", "/v1/entities/{ref}/relations", "/v1/entities/{ref}/neighborhood",
    "/v1/relations", "/v1/paths", "/v1/claims", "/v1/claims/{ref}", "/v1/events", "/v1/articles",
    "/v1/articles/{article_id}", "/v1/predicates", "/v1/graph", "/healthz", "/readyz",
    "/v1/search", "/v1/analytics/centrality", "/v1/analytics/communities", "/v1/sparql",
    "/v1/graph.svg", "/v1/entities/{ref}/neighborhood.svg",
    "/v1/articles/{article_id}/sheet", "/v1/articles/{article_id}/coverage", "/v1/entities/{ref}/merge", "/v1/merges",
    "/v1/merges/{merge_id}",
    "/v1/merges/{merge_id}/undo",
}
WRITES = {("/v1/articles", "post"), ("/v1/articles/{article_id}", "put"), ("/v1/articles/{article_id}", "delete"),
          ("/v1/entities/{ref}/merge", "post"), ("/v1/merges/{merge_id}/undo", "post")}
# their 200s are files or SPARQL results, by format
NOT_JSON = {"/v1/graph", "/v1/sparql", "/v1/graph.svg", "/v1/entities/{ref}/neighborhood.svg"}


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_not_ready_without_graph(client):
    runtime = client.app.state.runtime
    index = runtime.index
    runtime.serve(None)
    try:
        body = problem(client.get("/readyz"), 503, title="Store unavailable")
        assert body["detail"] == "The graph is not loaded yet"
        problem(client.get("/v1/entities"), 503, title="Store unavailable")
        assert client.get("/healthz").status_code == 200
    finally:
        runtime.serve(index)


def test_routing_errors_are_problems(client):
    body = problem(client.get("/v2/nothing"), 404, title="Not Found", type="about:blank")
    assert body["detail"] == "No endpoint at this URL; see /docs for the API"
    r = client.post("/v1/entities")
    body = problem(r, 405, title="Method Not Allowed", type="about:blank")
    assert body["detail"] == "Method POST is not allowed here; use GET, HEAD" and r.headers["allow"] == "GET, HEAD"


def test_unexpected_error_is_a_bare_500(client, monkeypatch):
    def boom(ix):
        raise RuntimeError("secret at /work/main/graph/algorithms/queries.py")

    monkeypatch.setattr(queries, "predicates", boom)
    r = client.get("/v1/predicates", headers={"Origin": "https://app.example"})
    body = problem(r, 500, title="Internal Server Error", type="about:blank")
    assert body == {"type": "about:blank", "title": "Internal Server Error", "status": 500,
                    "detail": "The server failed to answer this request; the error has been logged.",
                    "instance": "/v1/predicates"}
    assert "secret" not in r.text and "/work" not in r.text and "RuntimeError" not in r.text
    assert r.headers["access-control-allow-origin"] == "*"  # a browser can still read the problem


def test_cors(client):
    r = client.get("/v1/articles", headers={"Origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = client.options("/v1/entities", headers={"Origin": "https://app.example",
                                                 "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200 and "GET" in pre.headers["access-control-allow-methods"]
    post = client.options("/v1/sparql", headers={"Origin": "https://app.example",
                                                "Access-Control-Request-Method": "POST"})
    assert post.status_code == 200  # SPARQL queries may be POSTed from a page
    delete = client.options("/v1/articles/x", headers={"Origin": "https://app.example",
                                                      "Access-Control-Request-Method": "DELETE",
                                                      "Access-Control-Request-Headers": "authorization"})
    assert delete.status_code == 200  # writes (PUT, DELETE) with a bearer token, from a page too
    assert "authorization" in delete.headers["access-control-allow-headers"].lower()
    patch = client.options("/v1/entities", headers={"Origin": "https://app.example",
                                                   "Access-Control-Request-Method": "PATCH"})
    assert patch.status_code == 400
    exposed = client.get("/v1/entities", headers={"Origin": "https://app.example"}).headers
    assert {"etag", "content-disposition", "storygraph-truncated"} <= {
        h.strip().lower() for h in exposed["access-control-expose-headers"].split(",")}


def test_cors_restricted_origins(tmp_path):
    c = start(tmp_path, REPO_SEEDS, cors_origins=["https://ok.example"])  # no lifespan needed for /healthz
    assert c.get("/healthz", headers={"Origin": "https://ok.example"}).headers["access-control-allow-origin"] == "https://ok.example"
    assert "access-control-allow-origin" not in c.get("/healthz", headers={"Origin": "https://evil.example"}).headers


def test_openapi_documents_every_path_and_problem(client):
    doc = client.get("/openapi.json").json()
    assert doc["info"]["title"] == "storygraph" and doc["info"]["version"] == "0.1.0"
    assert "code points" in doc["info"]["description"] and "UTF-16" in doc["info"]["description"]
    assert set(doc["paths"]) == PATHS
    writes = {(path, m) for path, ops in doc["paths"].items() for m in ops if m != "get" and path != "/v1/sparql"}
    assert writes == WRITES
    for path, method in writes:  # every write documents its auth problems
        responses = doc["paths"][path][method]["responses"]
        assert {"401", "403", "500"} <= responses.keys(), (path, method)
        for status, resp in responses.items():
            if status >= "400":
                problem_ref = {"$ref": "#/components/schemas/Problem"}
                assert resp["content"] == {PROBLEM: {"schema": problem_ref}}, (path, status)
    for path, ops in doc["paths"].items():
        if "get" not in ops:
            continue
        responses = ops["get"]["responses"]
        assert "200" in responses and "500" in responses, path
        ok = {} if path in NOT_JSON else responses["200"]["content"]["application/json"]["schema"]
        # a model, or several (the neighbourhood: its {nodes, edges} or node-link JSON with format=node-link)
        assert path in NOT_JSON or "$ref" in ok or all("$ref" in s for s in ok["oneOf"])
        for status, resp in responses.items():
            if status >= "400":
                problem_ref = {"$ref": "#/components/schemas/Problem"}
                assert resp["content"] == {PROBLEM: {"schema": problem_ref}}, (path, status)
        if "{ref}" in path or path in ("/v1/relations", "/v1/paths", "/v1/claims"):
            assert {"404", "409", "422"} <= responses.keys(), path
    assert doc["paths"]["/v1/entities/{ref}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Entity"}
    params = {p["name"] for p in doc["paths"]["/v1/events"]["get"]["parameters"]}
    assert params == {"from", "to", "include_undated", "limit", "offset"}
    assert client.get("/docs").status_code == 200


def _ingested_at(url: str):
    from graph.storage.store import make_engine

    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return [(a.id, a.ingested_at) for a in s.exec(select(ArticleRow)).all()]
    finally:
        engine.dispose()


def test_first_start_seeds_second_does_not(database_url, mini_seeds):
    url = database_url()
    with start(url, mini_seeds) as c:
        first = (c.get("/v1/entities").json()["total"], c.get("/v1/relations").json()["total"])
        assert c.get("/v1/articles").json()["items"][0]["id"] == ARTICLE_ID
    seeded = _ingested_at(url)
    assert [a for a, _ in seeded] == [ARTICLE_ID]
    with start(url, mini_seeds) as c:
        assert (c.get("/v1/entities").json()["total"], c.get("/v1/relations").json()["total"]) == first
        assert c.get("/v1/articles").json()["total"] == 1
    assert _ingested_at(url) == seeded  # not ingested again


def test_no_seeding_when_disabled(database_url, mini_seeds):
    with start(database_url(), mini_seeds, seed_on_empty=False) as c:
        assert c.get("/readyz").status_code == 200
        assert c.get("/v1/entities").json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
        assert c.get("/v1/articles").json()["total"] == 0


def test_settings_from_environment(monkeypatch, tmp_path):
    for var in ("DATABASE_URL", "STORYGRAPH_DATABASE_URL", "STORYGRAPH_CORS_ORIGINS", "STORYGRAPH_SEEDS_DIR",
                "STORYGRAPH_SEED_ON_EMPTY"):
        monkeypatch.delenv(var, raising=False)
    default = Settings()
    assert default.database_url == "sqlite:///storygraph.db" and default.cors_origins == ["*"]
    assert default.seeds_dir == REPO_SEEDS and default.seed_on_empty is True
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/story")
    monkeypatch.setenv("STORYGRAPH_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("STORYGRAPH_SEEDS_DIR", str(tmp_path))
    monkeypatch.setenv("STORYGRAPH_SEED_ON_EMPTY", "false")
    s = Settings()
    assert s.database_url == "postgresql://db/story"
    assert s.cors_origins == ["https://a.example", "https://b.example"]
    assert s.seeds_dir == tmp_path and s.seed_on_empty is False
    monkeypatch.setenv("STORYGRAPH_DATABASE_URL", "sqlite:///other.db")
    assert Settings().database_url == "sqlite:///other.db"  # the prefixed name wins
