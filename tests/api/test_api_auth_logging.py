"""A credential a client wrongly puts in a query string never reaches the access log (issue 10, "Logging").

Real servers, as operators start them (``storygraph serve`` and ``uvicorn app.main:app``), with the
access log on: the logged line keeps the path and the other parameters, and loses the secret.
"""

from __future__ import annotations

import doctest
import logging
import sys

import pytest

from app import logs
from app.settings import REPO_SEEDS
from tests.workers.servers import BIN, environment, free_port, running

SECRETS = ("SECRET123", "K3Y-VALUE", "PW0RD", "S1GNATURE")
TARGETS = ("/healthz?access_token=SECRET123",
           "/v1/entities?q=dask&API-Key=K3Y-VALUE&limit=1",
           "/v1/entities?password=PW0RD&q=wang",
           "/readyz?sig=S1GNATURE")


def _commands(port: int) -> dict[str, list[str]]:
    host = ["--host", "127.0.0.1", "--port", str(port)]
    return {"storygraph serve": [str(BIN / "storygraph"), "serve", *host],
            "uvicorn app.main:app": [sys.executable, "-m", "uvicorn", "app.main:app", *host, "--log-level", "info"]}


@pytest.mark.parametrize("how", ["storygraph serve", "uvicorn app.main:app"])
def test_credentials_in_query_strings_are_redacted_from_the_access_log(how, tmp_path):
    port = free_port()
    env = environment(f"sqlite:///{tmp_path / 'logs.db'}", REPO_SEEDS)
    with running(how, _commands(port)[how], env, tmp_path / "server.log") as server:
        for target in TARGETS:
            assert server.get(target).status == 200, target
    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in log, log
    assert '"GET /healthz?access_token=REDACTED HTTP/1.1" 200' in log, log
    assert '"GET /v1/entities?q=dask&API-Key=REDACTED&limit=1 HTTP/1.1" 200' in log, log
    assert "/v1/entities?password=REDACTED&q=wang" in log and "/readyz?sig=REDACTED" in log


def test_the_filter_keeps_everything_else_and_installs_once(caplog):
    failures, _ = doctest.testmod(logs)
    assert failures == 0
    logs.install()
    logs.install()
    access = logging.getLogger(logs.ACCESS_LOGGER)
    assert sum(isinstance(f, logs.RedactCredentials) for f in access.filters) == 1
    with caplog.at_level(logging.INFO, logger=logs.ACCESS_LOGGER):
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/v1/sparql?query=SELECT&token=t0k", "1.1", 200)
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/v1/entities/a", "1.1", 404)
    assert [r.getMessage() for r in caplog.records] == [
        '127.0.0.1:5 - "GET /v1/sparql?query=SELECT&token=REDACTED HTTP/1.1" 200',
        '127.0.0.1:5 - "GET /v1/entities/a HTTP/1.1" 404']
