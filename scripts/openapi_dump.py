"""Print the app's OpenAPI document as JSON, without starting a server or opening a database.

``python -m scripts.openapi_dump > openapi.json`` gives the same document as ``GET /openapi.json`` of a server
run with default settings: ``create_app().openapi()`` only walks the routes (the database is opened by the
app's lifespan, which never runs here). The TypeScript client is generated from it
(``scripts/typescript_client.py``).
"""

from __future__ import annotations

import json
import sys

from app.main import create_app
from app.settings import Settings


def spec() -> dict:
    """The OpenAPI document of an app with default settings (whatever ``STORYGRAPH_*`` says)."""
    return create_app(Settings.model_construct()).openapi()


if __name__ == "__main__":
    json.dump(spec(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
