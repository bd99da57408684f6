# syntax=docker/dockerfile:1
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    STORYGRAPH_DATABASE_URL=sqlite:////data/storygraph.db \
    STORYGRAPH_SEEDS_DIR=/srv/storygraph/seeds

RUN useradd --create-home --uid 10001 storygraph && mkdir /data && chown storygraph /data
WORKDIR /srv/storygraph

# Dependencies first, from the lock file, so code changes do not reinstall them.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY app ./app
COPY graph ./graph
COPY seeds ./seeds
RUN pip install --no-deps .

USER storygraph
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["storygraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
