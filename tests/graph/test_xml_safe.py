"""Every XML output stays XML when the data holds characters XML 1.0 cannot carry.

The write API rejects control characters, but a store written before that, or
a story loaded from files, may still hold them: C0 controls (U+0001, ESC, VT,
FF), U+FFFE/U+FFFF and lone surrogates have no XML 1.0 form at all, not even
as character references. Each output replaces them (U+FFFD) and keeps the rest
of the text; lxml's strict parser must read every one.
"""

from __future__ import annotations

import pytest

from graph.drawing import pictures, render
from graph.indexing.index import GraphIndex, index_from_stories
from graph.readwrite.exports import neighborhood_graph
from graph.readwrite.formats import FORMATS
from graph.stories.files import read_story, story_dirs
from graph.testing import SEEDS

etree = pytest.importorskip("lxml.etree")

BAD = "\x01\x1b\x0b\x0c\x00\ufffe\uffff\ud800\udfff"
HOSTILE = "Jen\x01 Daskal\x1b[31m \x0bvt\x0cff\x00 \ufffe\uffff \ud800lone\udfff <b>&amp;</b> \"q\" ]]>"
SAFE = "Jen\ufffd Daskal\ufffd[31m \ufffdvt\ufffdff\ufffd \ufffd\ufffd \ufffdlone\ufffd <b>&amp;</b> \"q\" ]]>"
ODD_ID = "odd\x01id"
XML_FORMATS = [f for f in FORMATS.values() if f.media_type.endswith("+xml")]


def hostile_index() -> GraphIndex:
    """The seed story, with hostile text in every field a picture or an XML export writes."""
    ix = index_from_stories([read_story(d) for d in story_dirs(SEEDS)])
    g = ix.g
    d = g.nodes["jen-daskal"]
    d["name"] = HOSTILE
    d["aliases"] = [HOSTILE, "Daskal"]
    d["description"] = HOSTILE
    d["attributes"] = {"title\x01": HOSTILE}
    d["evidence"][0]["quote"] = HOSTILE
    g.nodes["china"]["type"] = "country\x01"
    odd = dict(g.nodes["wang-xiaohong"]) | {"name": HOSTILE}
    g.add_node(ODD_ID, **odd)
    g.add_edge("jen-daskal", ODD_ID, key="rel\x01x", id="rel\x01x", predicate="met_with\x01",
               modality="asserted", qualifiers={"role": HOSTILE, "place": ODD_ID}, article_id="a\x01",
               evidence=[{"article_id": "a\x01", "quote": HOSTILE, "start": 0, "end": 3, "sentence": 0}])
    for _, _, e in list(g.edges(data=True))[:3]:
        e["qualifiers"] = dict(e["qualifiers"] or {}) | {"role": HOSTILE}
    g.graph["name\x01"] = HOSTILE
    for meta in ix.articles.values():
        meta["title"] = HOSTILE
        meta["publisher"] = HOSTILE
    return ix


def parse(data: bytes) -> etree._Element:
    """lxml, strict: no recovery, no network; raises on anything that is not well-formed XML."""
    assert isinstance(data, bytes)
    return etree.fromstring(data, etree.XMLParser(recover=False, no_network=True, resolve_entities=False))


def test_the_hostile_index_really_holds_what_xml_cannot():
    ix = hostile_index()
    assert any(c in ix.g.nodes["jen-daskal"]["name"] for c in BAD)
    with pytest.raises(etree.XMLSyntaxError):
        parse(f"<a>{HOSTILE}</a>".encode("utf-8", "surrogatepass"))


def test_pictures_are_xml_whatever_the_names_hold():
    ix = hostile_index()
    svgs = {"whole": pictures.whole_graph(ix).svg,
            "neighbourhood": pictures.neighbourhood(ix, "jen-daskal", 2).svg,
            "odd": pictures.neighbourhood(ix, ODD_ID, 1).svg,
            "plain render": render.render_svg(ix.g, title=HOSTILE, focus="jen-daskal")}
    for name, svg in svgs.items():
        root = parse(svg)
        text = "".join(root.itertext())
        assert "Daskal" in text and not any(c in text for c in BAD), name
    # The text is kept, only the characters XML cannot carry are replaced.
    ns = {"s": render.SVG_NS}
    root = parse(svgs["plain render"])
    assert root.findtext("s:title", namespaces=ns) == SAFE
    daskal = root.find(".//s:g[@data-id='jen-daskal']", ns)
    assert daskal.findtext("s:title", namespaces=ns) == f"{SAFE} (person)"
    assert root.find(".//s:g[@data-id='odd\ufffdid']", ns) is not None


@pytest.mark.parametrize("fmt", XML_FORMATS, ids=lambda f: f.name)
def test_xml_exports_are_xml_whatever_the_data_holds(fmt):
    ix = hostile_index()
    for g in (ix.g, neighborhood_graph(ix, "jen-daskal", depth=2)):
        doc = parse(fmt.render(ix, g))
        text = " ".join(doc.itertext()) + " ".join(v for el in doc.iter() for v in el.attrib.values())
        assert "Daskal" in text and not any(c in text for c in BAD)
