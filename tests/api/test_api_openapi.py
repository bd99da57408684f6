"""The OpenAPI document as a frontend team codes against it (issue 12): generated clients need no casts.

openapi-typescript turns a bare ``{type: object}`` into ``Record<string, never>``, a property missing from
``required`` into an optional one, a plain ``string`` into ``string``: each test here walks the whole
document for one of those, and the live answers are checked against the schemas they claim. ``redocly
lint`` (recommended rules) must report no error; it runs from ``tests/openapi/`` (npm, pinned by its
package-lock.json), installed here once per session: skipped without node and npm unless CI is set.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from apitools import PROBLEM, problem
from test_api_merge import dup  # noqa: F401  (fixture: the seed and a duplicate entity to merge)
from test_api_write import ALICE

from app.main import create_app
from app.settings import REPO_SEEDS, Settings

# Renaming one breaks every generated client's method name: change this list only on purpose.
OPERATION_IDS = {
    ("get", "/healthz"): "getHealth",
    ("get", "/readyz"): "getReadiness",
    ("get", "/v1/entities"): "searchEntities",
    ("get", "/v1/entities/{ref}"): "getEntity",
    ("get", "/v1/entities/{ref}/relations"): "listEntityRelations",
    ("get", "/v1/entities/{ref}/neighborhood"): "getNeighborhood",
    ("get", "/v1/entities/{ref}/neighborhood.svg"): "neighborhoodSvg",
    ("post", "/v1/entities/{ref}/merge"): "mergeEntity",
    ("get", "/v1/relations"): "listRelations",
    ("get", "/v1/paths"): "findPaths",
    ("get", "/v1/claims"): "listClaims",
    ("get", "/v1/claims/{ref}"): "getClaim",
    ("get", "/v1/events"): "listEvents",
    ("get", "/v1/articles"): "listArticles",
    ("post", "/v1/articles"): "createArticle",
    ("get", "/v1/articles/{article_id}"): "getArticle",
    ("put", "/v1/articles/{article_id}"): "putArticle",
    ("delete", "/v1/articles/{article_id}"): "deleteArticle",
    ("get", "/v1/articles/{article_id}/coverage"): "getArticleCoverage",
    ("get", "/v1/articles/{article_id}/sheet"): "getArticleSheet",
    ("get", "/v1/merges"): "listMerges",
    ("get", "/v1/merges/{merge_id}"): "getMerge",
    ("post", "/v1/merges/{merge_id}/undo"): "undoMerge",
    ("get", "/v1/predicates"): "listPredicates",
    ("get", "/v1/graph"): "getGraph",
    ("get", "/v1/graph.svg"): "graphSvg",
    ("get", "/v1/search"): "searchEvidence",
    ("get", "/v1/sparql"): "sparqlGet",
    ("post", "/v1/sparql"): "sparqlPost",
    ("get", "/v1/analytics/centrality"): "getCentrality",
    ("get", "/v1/analytics/communities"): "getCommunities",
}
WRITES = {("post", "/v1/articles"), ("put", "/v1/articles/{article_id}"), ("delete", "/v1/articles/{article_id}"),
          ("post", "/v1/entities/{ref}/merge"), ("post", "/v1/merges/{merge_id}/undo")}
# The routes whose `{ref}` goes through app.deps.redirect_merged; the others resolve a merged id.
MOVED = {"/v1/entities/{ref}", "/v1/entities/{ref}/relations", "/v1/entities/{ref}/neighborhood"}
SCHEMAS = "#/components/schemas/"
# Properties a response schema may leave out of `required`, because the server leaves them out of answers.
OPTIONAL = {
    "Problem": {"candidates", "errors"},  # only the problems that have them
    "EntityMovedProblem": {"candidates", "errors"},
    "Candidate": {"score"},  # a 404's candidates are scored, a 409's are not
    "ProblemError": {"parameter", "field", "location", "file", "fact_id"},  # a parameter's, a body field's, a fact's
    "JsonLdDocument": {"@context", "@graph"},  # JSON-LD compaction decides
    # SPARQL 1.1 Query Results JSON leaves them out: a SELECT has results, an ASK boolean and no vars, and a
    # literal has a datatype or a language tag only when it has one.
    "SparqlResults": {"results", "boolean"},
    "SparqlHead": {"vars"},
    "SparqlLiteral": {"datatype", "xml:lang"},
}
UNTYPED_PATHS: set[str] = set()  # every response is typed, the SPARQL results included


@pytest.fixture(scope="module")
def spec(client) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method, path, op


def _component(ref: str) -> str:
    assert ref.startswith(SCHEMAS), ref
    return ref[len(SCHEMAS):]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield _component(node["$ref"])
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(spec: dict[str, Any], roots: list[Any]) -> set[str]:
    """The component schemas these schemas use, directly or not."""
    seen: set[str] = set()
    todo = [name for root in roots for name in _refs(root)]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(spec["components"]["schemas"][name]))
    return seen


def _validator(spec: dict[str, Any], schema: dict[str, Any]):
    return jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]})


def test_writes_declare_bearer_auth_and_reads_none(spec):
    assert spec["components"]["securitySchemes"] == {"bearer": {
        "type": "http", "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"]}}
    for method, path, op in _operations(spec):
        expected = [{"bearer": []}] if (method, path) in WRITES else []
        assert op["security"] == expected, (method, path)
        if (method, path) in WRITES:
            assert "401" in op["responses"], (method, path)
    assert spec["servers"] == [{"url": "/", "description": "This server"}]
    assert spec["info"]["license"] == {"name": "MIT", "identifier": "MIT"}  # pyproject.toml's
    assert spec["info"]["contact"]["url"]


def test_operation_ids_are_short_camel_case_unique_and_stable(spec):
    ids = {(method, path): op["operationId"] for method, path, op in _operations(spec)}
    assert ids == OPERATION_IDS
    assert len(set(ids.values())) == len(ids)
    for op_id in ids.values():
        assert re.fullmatch(r"[a-z][a-zA-Z0-9]{2,30}", op_id), op_id
    linked = {link["operationId"] for _, _, op in _operations(spec) for response in op["responses"].values()
              for link in response.get("links", {}).values()}
    assert linked and linked <= set(ids.values())  # links follow the renamed operations


def test_schema_names_are_identifiers(spec):
    names = set(spec["components"]["schemas"])
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", n) for n in names), sorted(n for n in names if "_" in n)
    ok = spec["paths"]["/v1/entities"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": SCHEMAS + "EntityHitPage"}
    assert spec["components"]["schemas"]["EntityHitPage"]["title"] == "EntityHitPage"
    assert {"ClaimPage", "RelationPage", "EventPage", "ArticlePage", "MergePage", "SearchHitPage"} <= names


def _param(spec, path: str, name: str) -> dict[str, Any]:
    return next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name)["schema"]


def test_responses_use_the_enums_the_parameters_take(spec):
    schemas = spec["components"]["schemas"]

    def prop(model: str, name: str) -> dict[str, Any]:
        return schemas[model]["properties"][name]

    entity_type = {"$ref": SCHEMAS + "EntityType"}
    assert _param(spec, "/v1/entities", "type")["anyOf"][0] == entity_type
    for model in ("Entity", "EntityRef", "Candidate"):
        assert prop(model, "type") == entity_type, model
    modality = {"$ref": SCHEMAS + "Modality"}
    assert prop("Relation", "modality") == modality and prop("Event", "modality") == modality
    assert prop("Entity", "modality")["anyOf"] == [modality, {"type": "null"}]
    statuses = _param(spec, "/v1/claims", "status")["anyOf"][0]["enum"]
    assert prop("Claim", "status")["enum"] == statuses == ["disputed", "asserted", "denied", "unattributed"]
    precisions = ["day", "month", "season", "year", "interval"]
    assert prop("DateOut", "precision")["enum"] == precisions
    assert prop("Event", "precision")["anyOf"][0]["enum"] == precisions
    assert set(schemas["Modality"]["enum"]) >= {"asserted", "denied", "planned", "expected"}
    assert prop("Status", "status") == {"const": "ok", "title": "Status", "type": "string"}


def test_every_property_the_server_sends_is_required(spec):
    roots = [media.get("schema") for _, _, op in _operations(spec) for status, response in op["responses"].items()
             for media in response.get("content", {}).values()]
    for name in sorted(_reachable(spec, roots)):
        schema = spec["components"]["schemas"][name]
        missing = set(schema.get("properties", {})) - set(schema.get("required", [])) - OPTIONAL.get(name, set())
        assert not missing, (name, missing)
    entity = spec["components"]["schemas"]["Entity"]
    assert {"date", "modality", "description"} <= set(entity["required"])
    assert set(spec["components"]["schemas"]["Qualifiers"]["required"]) == {"time", "place", "role", "source"}


def test_the_server_sends_what_the_schema_requires(client, spec):
    """The other half: a required-and-nullable field is there, as null, where it has no value."""
    person = client.get("/v1/entities/jen-daskal").json()
    assert person["date"] is None and person["modality"] is None
    rel = client.get("/v1/entities/jen-daskal/relations", params={"limit": 500}).json()["items"]
    assert all(set(r["qualifiers"]) == {"time", "place", "role", "source"} for r in rel)
    for url, name in (("/v1/entities/jen-daskal", "Entity"), ("/v1/claims", "ClaimPage"),
                      ("/v1/events", "EventPage"), ("/v1/relations?limit=500", "RelationPage")):
        _validator(spec, {"$ref": SCHEMAS + name}).validate(client.get(url).json())


def _bare_objects(node: Any, where: str) -> Iterator[str]:
    if isinstance(node, dict):
        typed = node.get("type") == "object" or (isinstance(node.get("type"), list) and "object" in node["type"])
        if typed and "properties" not in node and "additionalProperties" not in node:
            yield where
        for key, value in node.items():
            yield from _bare_objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _bare_objects(value, f"{where}/{i}")


def test_no_response_is_a_bare_object(spec):
    bare = [w for path, ops in spec["paths"].items() if path not in UNTYPED_PATHS
            for w in _bare_objects(ops, f"paths/{path}")]
    bare += list(_bare_objects(spec["components"], "components"))
    assert not bare, bare
    schemas = spec["components"]["schemas"]
    graph = spec["paths"]["/v1/graph"]["get"]["responses"]["200"]["content"]
    assert graph["application/json"]["schema"] == {"$ref": SCHEMAS + "NodeLinkGraph"}
    assert graph["application/vnd.cytoscape+json"]["schema"]["$ref"] == SCHEMAS + "CytoscapeGraph"
    assert schemas["CytoscapeElements"]["properties"]["nodes"]["items"] == {"$ref": SCHEMAS + "CytoscapeNode"}
    cut = spec["paths"]["/v1/entities/{ref}/neighborhood"]["get"]["responses"]["200"]["content"]["application/json"]
    assert cut["schema"]["oneOf"] == [{"$ref": SCHEMAS + "Neighborhood"}, {"$ref": SCHEMAS + "NodeLinkGraph"}]
    assert schemas["Neighborhood"]["additionalProperties"] is False  # so exactly one of the two matches
    assert schemas["Problem"]["properties"]["candidates"]["anyOf"][0]["items"] == {"$ref": SCHEMAS + "Candidate"}
    assert schemas["Problem"]["properties"]["errors"]["anyOf"][0]["items"] == {"$ref": SCHEMAS + "ProblemError"}


def test_graph_formats_match_their_schemas(client, spec):
    cut = spec["paths"]["/v1/entities/{ref}/neighborhood"]["get"]["responses"]["200"]["content"]
    for params, media in (({}, "application/json"), ({"format": "node-link"}, "application/json"),
                          ({"format": "cytoscape"}, "application/vnd.cytoscape+json"),
                          ({"format": "jsonld"}, "application/ld+json")):
        r = client.get("/v1/entities/jen-daskal/neighborhood", params=params)
        assert r.headers["content-type"].startswith(media), params
        _validator(spec, cut[media]["schema"]).validate(r.json())
    r = client.get("/v1/graph", params={"format": "cytoscape"})
    data = r.json()
    _validator(spec, {"$ref": SCHEMAS + "CytoscapeGraph"}).validate(data)
    assert data["elements"]["nodes"][0]["data"]["id"] and data["elements"]["edges"][0]["data"]["source"]
    _validator(spec, {"$ref": SCHEMAS + "NodeLinkGraph"}).validate(client.get("/v1/graph").json())


def test_problem_members_match_their_schemas(client, spec):
    problem_schema = _validator(spec, {"$ref": SCHEMAS + "Problem"})
    body = problem(client.get("/v1/entities/daskall"), 404)
    assert body["candidates"] and {"id", "name", "type", "score"} <= body["candidates"][0].keys()
    problem_schema.validate(body)
    body = problem(client.get("/v1/events", params={"from": "2023-02-30"}), 422)
    problem_schema.validate(body)
    body = problem(client.get("/v1/entities", params={"limit": 0}), 422)
    assert body["errors"][0]["parameter"] == "limit"
    problem_schema.validate(body)


def test_the_308_is_documented_as_answered_and_only_where(dup, spec):  # noqa: F811 - dup is the fixture imported above
    documented = {path for method, path, op in _operations(spec) if "308" in op["responses"]}
    assert documented == MOVED
    for path in MOVED:
        moved = spec["paths"][path]["get"]["responses"]["308"]
        assert moved["headers"]["Location"]["required"] is True
        assert moved["content"] == {PROBLEM: {"schema": {"$ref": SCHEMAS + "EntityMovedProblem"}}}
    assert {"merged_into", "location"} <= set(spec["components"]["schemas"]["EntityMovedProblem"]["required"])
    r = dup.post("/v1/entities/minister-wang/merge", json={"into": "wang-xiaohong"}, headers=ALICE)
    assert r.status_code == 201, r.text
    moved = _validator(spec, {"$ref": SCHEMAS + "EntityMovedProblem"})
    for url in ("/v1/entities/minister-wang", "/v1/entities/minister-wang/relations",
                "/v1/entities/minister-wang/neighborhood"):
        r = dup.get(url, follow_redirects=False)
        assert r.status_code == 308 and r.headers["content-type"] == PROBLEM, url
        assert r.headers["location"] == url.replace("minister-wang", "wang-xiaohong")
        moved.validate(r.json())
    # the other routes taking an entity answer for the entity kept, with no redirect
    for url in ("/v1/entities/minister-wang/neighborhood.svg", "/v1/entities?q=minister-wang",
                "/v1/relations?subject=minister-wang"):
        assert dup.get(url, follow_redirects=False).status_code == 200, url


# --- redocly lint --------------------------------------------------------------------------------------------

LINT_DIR = Path(__file__).resolve().parents[1] / "openapi"


@pytest.fixture(scope="session")
def redocly() -> Path:
    """``tests/openapi/node_modules/.bin/redocly``, installed by ``npm ci`` (the lock's versions) once."""
    npm, node = shutil.which("npm"), shutil.which("node")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout if node else ""
    major, minor = (tuple(int(x) for x in version.lstrip("v").split(".")[:2]) if version else (0, 0))
    if npm is None or (major, minor) < (20, 19) or major == 21 or (major == 22 and minor < 12):
        message = f"redocly lint needs Node.js 20.19+ or 22.12+ and npm (found node {version.strip() or 'none'})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    lock = json.loads((LINT_DIR / "package-lock.json").read_text())
    wanted = lock["packages"]["node_modules/@redocly/cli"]["version"]
    installed = LINT_DIR / "node_modules" / "@redocly" / "cli" / "package.json"
    if not installed.is_file() or json.loads(installed.read_text())["version"] != wanted:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=LINT_DIR, check=True, capture_output=True,
                       timeout=600)
    return LINT_DIR / "node_modules" / ".bin" / "redocly"


def test_redocly_lint_recommended_reports_no_error(redocly, tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'lint.db'}", seeds_dir=REPO_SEEDS))
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(app.openapi()))  # the document /openapi.json serves, without starting the app
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}
    run = subprocess.run([str(redocly), "lint", "--extends=recommended", "--format=json", str(document)],
                         cwd=LINT_DIR, env=env, capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(run.stdout)
    errors = [(p["ruleId"], p["message"], [loc.get("pointer") for loc in p.get("location", [])])
              for p in report["problems"] if p["severity"] == "error"]
    assert not errors, errors
    assert report["totals"]["errors"] == 0 and run.returncode == 0, run.stderr[-2000:]
