"""Hostile strings as data: one story whose every name, alias, quote and description is a payload.

Each payload is written where a consumer of an export could trip on it: XML (a DOCTYPE with an
external entity, ``]]>``, entity references), CSV (formulas, quotes, commas), HTML and SVG (tags that
close the one they land in, event handlers, ``javascript:`` links) and Unicode that tools mishandle
(a right-to-left override, zero-width characters and a byte-order mark, emoji sequences, stacked
combining marks). The API tests (``tests/api/test_api_hostile_data.py``) post the story and read it back
through every export and picture; the browser test opens the explorer on it.
"""

from __future__ import annotations

import itertools
from typing import Any

ARTICLE_ID = "hostile-data-2024-02-01"

PAYLOADS: dict[str, str] = {
    "doctype": '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "cdata": "]]> closes no CDATA",
    "entities": "AT&amp;T &lt;b&gt; & Sons &#0; &e;",
    "script": '<script>alert("script")</script>',
    "hyperlink": '=HYPERLINK("http://evil.example","x")',
    "plus": "+1 caller",
    "minus": "-2 minus",
    "at": "@SUM(A1:A2)",
    "csv-quotes": 'Smith, "Jr." and, commas',
    "svg-onload": '"><svg onload=alert(1)>',
    "close-title": "</title><img src=x onerror=alert(2)>",
    "javascript": "javascript:alert(3)",
    "attribute": "' onmouseover='alert(4)' x='",
    "rtl": "evil\u202egnp.exe",
    "zero-width": "zero\u200bwidth\u200djoiner\ufeffmark",
    "emoji": "fox \U0001f98a family \U0001f469\u200d\U0001f469\u200d\U0001f467",
    "combining": "Zalgo Z\u0337\u0322\u034ea\u0338l",
}

# The payloads a page of the explorer must show as text and never run.
MARKUP = ("script", "svg-onload", "close-title", "javascript", "attribute", "doctype")


def entity_id(key: str) -> str:
    return f"hostile-{key}"


def alias(key: str) -> str:
    return f"{key} alias {PAYLOADS[key]}"


def article_text() -> str:
    """Every payload and its alias stand in the text, so quotes can cite them; one quote spans a line break."""
    lines = ["Hostile strings as data.", "A quote that spans\nlines, \"quoted\", with, commas."]
    for i, (key, value) in enumerate(PAYLOADS.items()):
        lines.append(f"Item {i}: {value} . Also called {alias(key)} .")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> dict[str, Any]:
    return {"quote": text, "occurrence": 1}


def story() -> dict[str, Any]:
    """The POST body: one entity per payload (name, aliases, description, attributes), a chain of relations
    whose roles are payloads, an event and a claim named by payloads, and payloads in the article's metadata."""
    keys = list(PAYLOADS)
    entities = [{"id": entity_id(k), "name": v, "type": "person", "aliases": [v, alias(k)], "description": v,
                 "attributes": {"note": v, "nested": {"list": [v, 1, None, True]}},
                 "evidence": [_quote(v)]}
                for k, v in PAYLOADS.items()]
    relations = [{"id": f"hostile-rel-{i}", "subject": entity_id(a), "predicate": "met_with", "object": entity_id(b),
                  "qualifiers": {"role": PAYLOADS[a]}, "evidence": [_quote(PAYLOADS[a])]}
                 for i, (a, b) in enumerate(itertools.pairwise(keys))]
    events = [{"id": "hostile-event", "name": PAYLOADS["svg-onload"], "description": PAYLOADS["close-title"],
               "evidence": [_quote(PAYLOADS["svg-onload"])]}]
    claims = [{"id": "hostile-claim", "text": PAYLOADS["script"], "about": [entity_id("hyperlink")],
               "evidence": [_quote(PAYLOADS["script"])]}]
    relations.append({"id": "hostile-asserts", "subject": entity_id("attribute"), "predicate": "asserts",
                      "object": "hostile-claim", "evidence": [_quote(PAYLOADS["attribute"])]})
    return {"article": {"id": ARTICLE_ID, "title": PAYLOADS["close-title"], "publisher": PAYLOADS["hyperlink"],
                        "published": "2024-02-01", "authors": [PAYLOADS["svg-onload"], PAYLOADS["rtl"]],
                        "dateline": PAYLOADS["doctype"], "text": article_text()},
            "sheet": {"entities": entities, "events": events, "claims": claims, "relations": relations}}


def expected_names() -> dict[str, str]:
    """Node id -> the name every export must carry, exactly."""
    names = {entity_id(k): v for k, v in PAYLOADS.items()}
    names["hostile-event"] = PAYLOADS["svg-onload"]
    names["hostile-claim"] = PAYLOADS["script"]
    return names
