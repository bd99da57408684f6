# syntax=docker/dockerfile:1
FROM python:3.11-slim

# One worker on the SQLite file in /data by default; for several, point DATABASE_URL at PostgreSQL and set
# STORYGRAPH_WORKERS (docs/operations.md: "Running several workers"). The plain DATABASE_URL is set here so that either
# -e DATABASE_URL=... or -e STORYGRAPH_DATABASE_URL=... overrides it.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/storygraph.db STORYGRAPH_WORKERS=1

RUN useradd --create-home --uid 10001 storygraph && mkdir /data && chown storygraph /data
WORKDIR /srv/storygraph

# The locked dependencies first, in their own layer, so a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install -q -r requirements.lock
# Then the README's install command (its dependencies are already there); seeds/ stays beside the code (a built wheel carries its own copy).
COPY pyproject.toml README.md ./
COPY app ./app
COPY graph ./graph
COPY seeds ./seeds
RUN pip install -q -r requirements.lock -e . \
    && python -c "import httptools, uvloop"  # uvicorn[standard]: `storygraph serve` picks both (loop/http "auto")

USER storygraph
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# The README's serve command, listening on every interface of the container, with STORYGRAPH_WORKERS workers.
CMD ["storygraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
