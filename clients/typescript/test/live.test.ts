/**
 * The client against a live server (STORYGRAPH_URL), as a frontend would use it: every answer is read through
 * the generated types, with no cast, no `any` and no suppressed error (tests/clients checks the sources).
 * If a schema loses its shape (an enum becomes `string`, a field the server always sends becomes optional,
 * an object becomes `Record<string, never>`), this file stops compiling.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { createStorygraphClient } from "../src/index.js";
import type { Schemas } from "../src/index.js";

const BASE = process.env["STORYGRAPH_URL"];
const TOKEN = process.env["STORYGRAPH_TOKEN"];
if (BASE === undefined || TOKEN === undefined) {
  throw new Error("set STORYGRAPH_URL (e.g. http://127.0.0.1:8000) and STORYGRAPH_TOKEN (a write token)");
}
const api = createStorygraphClient(BASE);

// Compile-time checks on the generated types: each constant compiles only if its type says `true`.
type IsRequired<T, K extends keyof T> = {} extends Pick<T, K> ? false : true;
type IsEnum<T> = string extends T ? false : true;
const entityTypeIsEnum: IsEnum<Schemas["Entity"]["type"]> = true;
const refTypeIsEnum: IsEnum<Schemas["EntityRef"]["type"]> = true;
const modalityIsEnum: IsEnum<Schemas["Relation"]["modality"]> = true;
const claimStatusIsEnum: IsEnum<Schemas["Claim"]["status"]> = true;
const dateIsRequired: IsRequired<Schemas["Entity"], "date"> = true;
const eventModalityIsRequired: IsRequired<Schemas["Entity"], "modality"> = true;
const qualifierTimeIsRequired: IsRequired<Schemas["Qualifiers"], "time"> = true;
assert.deepEqual([entityTypeIsEnum, refTypeIsEnum, modalityIsEnum, claimStatusIsEnum, dateIsRequired,
                  eventModalityIsRequired, qualifierTimeIsRequired], [true, true, true, true, true, true, true]);

test("searchEntities: ranked hits with their score", async () => {
  const { data, error, response } = await api.GET("/v1/entities", { params: { query: { q: "dask", limit: 1 } } });
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  assert.equal(data.limit, 1);
  assert.ok(data.total >= 1);
  const [hit] = data.items;
  assert.ok(hit);
  assert.equal(hit.id, "jen-daskal");
  const type: "person" | "organization" | "government" | "country" | "city" | "facility" | "event" | "claim"
    | "substance" | "topic" | "disease" | "document" = hit.type;
  assert.equal(type, "person");
  const score = hit.score;
  assert.ok(score !== null && score > 0 && score <= 1);
  assert.equal(hit.date, null);
});

test("getEntity: by any alias, evidence with offsets", async () => {
  const { data, error } = await api.GET("/v1/entities/{ref}", { params: { path: { ref: "u.s." } } });
  assert.ok(data, JSON.stringify(error));
  assert.equal(data.id, "united-states");
  assert.ok(data.aliases.includes("U.S."));
  const first = data.evidence[0];
  assert.ok(first);
  assert.equal(first.end - first.start, first.quote.length);
});

test("relations: an entity's outgoing relations by predicate, qualifiers always present", async () => {
  const { data, error } = await api.GET("/v1/entities/{ref}/relations", {
    params: { path: { ref: "Daskal" }, query: { direction: "out", predicate: "led" } },
  });
  assert.ok(data, JSON.stringify(error));
  assert.equal(data.total, 1);
  const [led] = data.items;
  assert.ok(led);
  assert.equal(led.subject.id, "jen-daskal");
  assert.equal(led.object.id, "us-delegation");
  assert.equal(led.modality, "asserted");
  assert.deepEqual(led.qualifiers, { time: null, place: null, role: null, source: null });
});

test("findPaths: shortest paths as entity refs and the relations between them", async () => {
  const { data, error } = await api.GET("/v1/paths", {
    params: { query: { source: "Daskal", target: "Xi Jinping", limit: 1 } },
  });
  assert.ok(data, JSON.stringify(error));
  const [path] = data.paths;
  assert.ok(path);
  assert.equal(path.nodes[0]?.id, "jen-daskal");
  assert.equal(path.nodes.at(-1)?.id, "xi-jinping");
  assert.equal(path.length, path.nodes.length - 1);
  assert.equal(path.relations.length, path.length);
});

test("listClaims: disputed claims name who asserts and who denies", async () => {
  const { data, error } = await api.GET("/v1/claims", { params: { query: { status: "disputed" } } });
  assert.ok(data, JSON.stringify(error));
  assert.ok(data.items.length > 0);
  for (const claim of data.items) {
    assert.equal(claim.status, "disputed");
    assert.ok(claim.asserted_by.length > 0 && claim.denied_by.length > 0, claim.id);
  }
});

// The graph's media type is chosen by `format` or `Accept`; a client typed for that media type reads its schema.
const cytoscape = createStorygraphClient<"application/vnd.cytoscape+json">(BASE);

test("getGraph as Cytoscape.js elements, by format=cytoscape and by Accept", async () => {
  const answers = [
    await cytoscape.GET("/v1/graph", { params: { query: { format: "cytoscape" } } }),
    await cytoscape.GET("/v1/graph", { headers: { Accept: "application/vnd.cytoscape+json" } }),
  ];
  for (const { data, error, response } of answers) {
    assert.ok(data, JSON.stringify(error));
    assert.equal(response.headers.get("content-type"), "application/vnd.cytoscape+json");
    const { nodes, edges } = data.elements;
    const ids = new Set(nodes.map((node) => node.data.id));
    assert.equal(nodes.find((node) => node.data.id === "jen-daskal")?.data.label, "Jen Daskal");
    assert.ok(edges.length > 0);
    for (const edge of edges) {
      assert.ok(ids.has(edge.data.source) && ids.has(edge.data.target), edge.data.id);
    }
  }
});

test("a problem: an unknown entity is a 404 problem with typed candidates", async () => {
  const { data, error, response } = await api.GET("/v1/entities/{ref}", { params: { path: { ref: "daskall" } } });
  assert.equal(data, undefined);
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.ok(error);
  const problem: Schemas["Problem"] = error;
  assert.equal(problem.status, 404);
  assert.equal(problem.type, "https://storygraph.dev/problems/entity-not-found");
  const candidates: string[] = (problem.candidates ?? []).map((candidate) => candidate.id);
  assert.equal(candidates[0], "jen-daskal");
});

test("a problem: an invalid parameter is a 422 naming it in typed errors", async () => {
  const { error, response } = await api.GET("/v1/entities", { params: { query: { limit: 0 } } });
  assert.equal(response.status, 422);
  assert.ok(error);
  const errors = error.errors ?? [];
  const reasons: string[] = errors.map((e) => e.reason);
  assert.equal(reasons.length, 1);
  const [invalid] = errors;
  assert.equal(invalid?.parameter, "limit");
  assert.equal(invalid?.location, "query");
});

test("the token goes on writes only: a write with it reaches the route, a read goes without it", async () => {
  const sent: string[] = [];
  const writer = createStorygraphClient(BASE, {
    token: TOKEN,
    fetch: (request) => {
      sent.push(`${request.method} ${request.headers.get("authorization") ?? "no token"}`);
      return fetch(request);
    },
  });
  const gone = { params: { path: { article_id: "no-such-article" } } };
  const anonymous = await api.DELETE("/v1/articles/{article_id}", gone);
  assert.equal(anonymous.response.status, 401);
  assert.equal(anonymous.error?.type, "https://storygraph.dev/problems/unauthorized");
  const authorized = await writer.DELETE("/v1/articles/{article_id}", gone);
  assert.equal(authorized.response.status, 404);
  const read = await writer.GET("/v1/entities/{ref}", { params: { path: { ref: "us" } } });
  assert.equal(read.data?.id, "united-states");
  assert.deepEqual(sent, [`DELETE Bearer ${TOKEN}`, "GET no token"]);
});
