"""storygraph HTTP layer: routers, schemas, dependencies, error handlers, CLI."""
