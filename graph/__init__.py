"""storygraph domain: knowledge model, fact sheets, ingestion, store, queries, exports. Never imports FastAPI."""
