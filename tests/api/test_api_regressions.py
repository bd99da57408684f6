"""One test per fault that contract fuzzing (Schemathesis, tests/fuzz/ and .ci/run) found, named after it.

Each ran into a 500, an undocumented status, a response that broke its documented schema, or a valid
request that the schema's own example could not pass. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from apitools import ARTICLE_ID, INVALID, problem, snapshot, start
from fastapi.testclient import TestClient

from app.routers.articles import EXAMPLE
from app.settings import REPO_SEEDS

AUTH = {"Authorization": "Bearer fuzz"}


@pytest.fixture
def writer(database_url) -> Iterator[TestClient]:
    with start(database_url("regress"), REPO_SEEDS, api_tokens="fuzz:fuzz") as c:
        yield c


def _operations(client: TestClient):
    for path, ops in client.get("/openapi.json").json()["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_huge_merge_id_was_a_500(writer):
    client = writer
    # SQLite cannot bind an integer past 2**63 (OverflowError), PostgreSQL's column is 32-bit: now a 422.
    for r in (client.get("/v1/merges/606203811343875702784"),
              client.post("/v1/merges/156419264160014294535217010127667200/undo", headers=AUTH),
              client.get(f"/v1/merges/{2**31}")):
        body = problem(r, 422, type=INVALID)
        assert body["errors"][0]["parameter"] == "merge_id"
    problem(client.get(f"/v1/merges/{2**31 - 1}"), 404)


def test_huge_offset_was_a_500(client):
    r = client.get("/v1/search", params={"q": "china", "offset": 568472136630348087296, "limit": 253})
    assert problem(r, 422, type=INVALID)["errors"][0]["parameter"] == "offset"
    r = client.get("/v1/search", params={"q": "china", "offset": 2**31 - 1})
    assert r.status_code == 200 and r.json()["items"] == []


def test_unparsable_body_was_an_undocumented_400(writer):
    before = snapshot(writer)
    headers = AUTH | {"Content-Type": "application/json"}
    for r in (writer.post("/v1/articles", content=b"#\xc3U\xff", headers=headers),
              writer.put(f"/v1/articles/{ARTICLE_ID}", content=b"pq\xff\tS\x1d", headers=headers),
              writer.post("/v1/entities/daskal/merge", content=b"\xff\x03", headers=headers)):
        body = problem(r, 400, title="Malformed request body", type="https://storygraph.dev/problems/malformed-body")
        assert "not JSON in UTF-8" in body["detail"]
    assert snapshot(writer) == before
    for path, method, op in _operations(writer):
        if "requestBody" in op:
            assert "400" in op["responses"], (method, path)


def test_405_allow_named_only_the_first_routes_methods(client):
    for url, allow in (("/v1/articles", "GET, HEAD, POST"), (f"/v1/articles/{ARTICLE_ID}", "GET, HEAD, PUT, DELETE"),
                       ("/v1/sparql", "GET, HEAD, POST"), ("/v1/merges/1/undo", "POST")):
        r = client.options(url)
        problem(r, 405)
        assert r.headers["allow"] == allow, url
    assert client.patch("/v1/articles").headers["allow"] == "GET, HEAD, POST"


def test_neighborhood_node_link_broke_its_documented_schema(client):
    schema = client.get("/openapi.json").json()
    ok = schema["paths"]["/v1/entities/{ref}/neighborhood"]["get"]["responses"]["200"]["content"]["application/json"]
    refs = {s["$ref"].rsplit("/", 1)[1] for s in ok["schema"]["oneOf"]}
    assert refs == {"Neighborhood", "NodeLinkGraph"}
    required = set(schema["components"]["schemas"]["NodeLinkGraph"]["required"])
    data = client.get("/v1/entities/jen-daskal/neighborhood", params={"format": "node-link"}).json()
    assert required <= data.keys()
    assert {"nodes", "edges"} == client.get("/v1/entities/jen-daskal/neighborhood").json().keys()


def test_accept_header_was_declared_as_a_free_text_parameter(client):
    # OpenAPI ignores a header parameter named Accept; declared, it invited any text and then refused it.
    for path, _method, op in _operations(client):
        assert not [p for p in op.get("parameters", []) if p["in"] == "header" and p["name"].lower() == "accept"], path
    r = client.get("/v1/graph", headers={"Accept": "null"})
    assert problem(r, 406)["available"]
    assert "406" in client.get("/openapi.json").json()["paths"]["/v1/graph"]["get"]["responses"]


def test_write_example_in_openapi_was_an_invalid_story(writer):
    schema = writer.get("/openapi.json").json()
    ref = schema["paths"]["/v1/articles"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    example = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["examples"][0]
    assert example == EXAMPLE
    r = writer.post("/v1/articles", json=copy.deepcopy(example), headers=AUTH)
    assert r.status_code == 201, r.text
    assert writer.post("/v1/articles", json=example, headers=AUTH).json()["status"] == "unchanged"
    assert writer.get("/v1/entities/ann-lee/relations").json()["items"][0]["object"]["id"] == "jen-daskal"


def test_empty_sparql_query_was_a_400_for_a_schema_valid_request(client):
    body = problem(client.get("/v1/sparql", params={"query": ""}), 422, type=INVALID)
    assert body["errors"][0]["parameter"] == "query"


def test_merged_entity_308_was_undocumented(client):
    for path, _method, op in _operations(client):
        if path.startswith("/v1/entities/{ref}") and not path.endswith((".svg", "/merge")):
            assert "308" in op["responses"], path


def test_empty_analytics_filter_was_accepted_as_a_filter(client):
    for url in ("/v1/analytics/centrality?predicate=", "/v1/analytics/communities?type="):
        problem(client.get(url), 422, type=INVALID)
    assert client.get("/v1/analytics/centrality?predicate=led,met_with").status_code == 200


def test_url_errors_were_undocumented(client):
    # Any operation may meet a URL that is too long (414) or not UTF-8 / holds NUL (400).
    for path, method, op in _operations(client):
        assert {"400", "414"} <= op["responses"].keys(), (method, path)


def test_problem_instance_was_not_a_uri_reference(client):
    r = client.get("/v1/entities/' OR 1=1 --")
    assert problem(r, 404)["instance"] == "/v1/entities/'%20OR%201=1%20--"
