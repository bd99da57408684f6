"""One set of content-negotiation rules (app/negotiation.py) for the exports and SPARQL."""

from __future__ import annotations

import doctest

import pytest

from app import negotiation
from app.exports import negotiate as export_format

EXPORTS = ["application/json", "application/vnd.cytoscape+json", "application/graphml+xml", "application/gexf+xml",
           "application/ld+json", "text/turtle", "application/zip"]


def test_the_modules_examples_hold():
    failures, tried = doctest.testmod(negotiation)
    assert tried and not failures


@pytest.mark.parametrize(("accept", "chosen"), [
    ("text/turtle", "text/turtle"),
    ("*/*", "application/json"),  # the server's order breaks a tie
    ("application/*", "application/json"),
    ("text/*;q=0.5, application/zip;q=0.4", "text/turtle"),
    ("application/zip, */*", "application/zip"),  # named exactly beats a wildcard at equal q
    ("application/*;q=0.9, application/zip;q=0", "application/json"),  # q=0 refuses that one only
    ("TEXT/Turtle;charset=utf-8", "text/turtle"),
    ("text/turtle;q=abc, application/gexf+xml;q=0.1", "application/gexf+xml"),  # a q that is no number is 0
    ("text/turtle;q=7", "text/turtle"),  # clamped to 1
])
def test_exports_and_sparql_share_the_rules(accept, chosen):
    assert negotiation.negotiate(accept, EXPORTS) == chosen
    assert export_format(accept).media_type == chosen


@pytest.mark.parametrize("accept", ["text/csv", "garbage", "text/turtle;q=0", "image/*"])
def test_nothing_acceptable_is_none(accept):
    assert negotiation.negotiate(accept, EXPORTS) is None


@pytest.mark.parametrize("accept", [None, "", "  ", ","])
def test_no_range_accepts_the_first_offer(accept):
    assert negotiation.negotiate(accept, EXPORTS) == "application/json"
