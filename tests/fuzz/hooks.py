"""Schemathesis hooks shared by the in-process fuzz tests and the CLI run in ``.ci/run``.

``POST /v1/sparql`` takes the query itself as ``application/sparql-query`` (SPARQL 1.1 Protocol): a string
sent as it is, which Schemathesis serializes exactly like ``text/plain``.
"""

import schemathesis

schemathesis.serializer.alias("application/sparql-query", "text/plain")
