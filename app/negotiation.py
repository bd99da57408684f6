"""Content negotiation: which of the media types an endpoint offers an ``Accept`` header prefers.

One set of rules for every endpoint that answers in more than one media type
(the exports of ``/v1/graph`` and of a neighbourhood, SPARQL), so a client that
learns them once is understood everywhere (RFC 9110, section 12.5.1):

- each offer takes the q of the most specific range that matches it (``text/csv``,
  then ``text/*``, then ``*/*``; among equal ranges the highest q); a q that is
  not a number counts as 0, and q is clamped to [0, 1];
- the highest q wins; among equal q the offer named exactly beats one reached
  through a wildcard (a client listing ``application/sparql-results+xml, */*``
  means XML); then the server's order of ``offers`` decides;
- q=0 means "not this"; a range that is not ``type/subtype`` matches nothing;
- a missing or blank header (no range at all) accepts anything: the first offer.

Media-type parameters other than q (``;charset=utf-8``) are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence


def ranges(accept: str | None) -> list[tuple[str, float]]:
    """The media ranges of an ``Accept`` header, lower-cased, with their q-values.

    >>> ranges("Text/CSV;charset=utf-8;q=0.5, */*;q=x, , application/json")
    [('text/csv', 0.5), ('*/*', 0.0), ('application/json', 1.0)]
    """
    out = []
    for part in (accept or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q))
    return out


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer ``Accept`` prefers, or None if it accepts none of them.

    >>> negotiate("application/sparql-results+xml, application/rdf+xml, */*", ["a/json", "application/rdf+xml"])
    'application/rdf+xml'
    >>> negotiate("text/csv;q=0.5, */*;q=0.1", ["a/json", "text/csv"]), negotiate("", ["a/json", "text/csv"])
    ('text/csv', 'a/json')
    >>> negotiate("application/*, text/turtle;q=0.9", ["text/turtle", "application/zip", "application/json"])
    'application/zip'
    >>> negotiate("text/csv;q=0", ["text/csv"]) is None, negotiate("garbage", ["text/csv"]) is None
    (True, True)
    """
    accepted = ranges(accept)
    if not accepted:
        return offers[0] if offers else None
    best, best_key = None, (0.0, -1)
    for offer in offers:
        exact = offer.lower()
        wildcard = exact.split("/")[0] + "/*"
        for specificity, candidate in ((2, exact), (1, wildcard), (0, "*/*")):
            matches = [q for r, q in accepted if r == candidate]
            if matches:
                key = (max(matches), specificity)
                if key[0] > 0 and key > best_key:
                    best, best_key = offer, key
                break
    return best
