/**
 * The storygraph API, typed: openapi-fetch over the types openapi-typescript generates from /openapi.json
 * (src/schema.d.ts, regenerated and diff-checked by the test suite).
 *
 *     const api = createStorygraphClient("http://127.0.0.1:8000");
 *     const { data, error } = await api.GET("/v1/entities/{ref}", { params: { path: { ref: "Daskal" } } });
 *
 * Every answer is `{data, error, response}`: `data` typed by the 2xx schema, `error` by the problem schema
 * (RFC 9457) of the other statuses. The token goes only on writes (POST, PUT, DELETE): reads are open, and a
 * browser sends a GET without an `Authorization` header with no CORS preflight.
 */
import createClient from "openapi-fetch";
import type { Client, ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

/** A media type, as openapi-fetch matches them against a response's `content`. */
export type MediaType = `${string}/${string}`;

/** Every named schema of the API: `Schemas["Entity"]`, `Schemas["Problem"]`, ... */
export type Schemas = components["schemas"];

/** A client; `Media` narrows the answers of routes with several media types (the graph exports) to one. */
export type StorygraphClient<Media extends MediaType = MediaType> = Client<paths, Media>;

export interface StorygraphOptions extends Omit<ClientOptions, "baseUrl"> {
  /** A write token (`STORYGRAPH_API_TOKENS`), sent as `Authorization: Bearer <token>` on writes only. */
  token?: string;
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A client for the API at `baseUrl` (for example "http://127.0.0.1:8000", no trailing `/v1`).
 *
 * `/v1/graph` and a neighbourhood answer one of several media types (`format=` or `Accept` chooses): give
 * the one you ask for, e.g. `createStorygraphClient<"application/vnd.cytoscape+json">(url)`, and `data` has
 * that format's type (`data.elements` for Cytoscape.js); without it, `data` is the union of them all.
 */
export function createStorygraphClient<Media extends MediaType = MediaType>(
  baseUrl: string,
  options: StorygraphOptions = {},
): StorygraphClient<Media> {
  const { token, ...rest } = options;
  const client = createClient<paths, Media>({ ...rest, baseUrl });
  if (token !== undefined) {
    client.use({
      onRequest({ request }) {
        if (!READS.has(request.method)) request.headers.set("Authorization", `Bearer ${token}`);
        return request;
      },
    });
  }
  return client;
}
