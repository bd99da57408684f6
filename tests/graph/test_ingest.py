"""One case per rejection class: the exact message, and the database unchanged."""

from __future__ import annotations

import functools
import operator

import pytest
from sqlalchemy import text
from sqlmodel import Session

from graph.errors import SheetInvalid
from graph.ingest import ingest_path
from graph.storage.store import create_schema, make_engine
from graph.stories.files import read_raw

from .conftest import ARTICLE, META, SHEET, write_story

TABLES = ("article", "entity", "alias", "relation", "evidence")


@pytest.fixture
def engine(database_url, story_dir):
    eng = make_engine(database_url())
    create_schema(eng)
    ingest_path(eng, story_dir)  # something stored that a bad sheet must not lose
    yield eng
    eng.dispose()


def snapshot(engine) -> dict:
    with engine.connect() as c:
        return {t: sorted(map(tuple, c.execute(text(f"SELECT * FROM {t}")).all()), key=repr) for t in TABLES}


def rejected(engine, tmp_path, sheet=None, meta=None, article=ARTICLE) -> list[str]:
    """Ingest a changed copy of the story; return the faults, asserting nothing changed."""
    before = snapshot(engine)
    d = write_story(tmp_path / "changed" / "small-talks", sheet, meta, article)
    with pytest.raises(SheetInvalid) as exc:
        ingest_path(engine, d)
    assert snapshot(engine) == before
    return [str(f).replace(str(d) + "/", "") for f in exc.value.faults]


# One edit of the sheet (the value put at a path in it) for each class of rejection, and its one fault.
@pytest.mark.parametrize(("path", "value", "fault"), [
    pytest.param(("relations", 0, "evidence"), ["Ann Lee led a large delegation"],
                 "facts.yaml: fact 'lee-led-delegation': evidence[0].quote: "
                 "quote not found in the article: 'Ann Lee led a large delegation'", id="quote-not-found"),
    pytest.param(("entities", 0, "evidence"), ["Ann Lee"],
                 "facts.yaml: fact 'ann-lee': evidence[0].quote: quote occurs 2 times; "
                 "add 'occurrence', 'prefix' or 'suffix' to pick one: 'Ann Lee'",
                 id="quote-found-twice-without-a-hint"),
    pytest.param(("relations", 0, "object"), "delegaton",
                 "facts.yaml: fact 'lee-led-delegation': object: 'delegaton' is not an entity, event or claim defined "
                 "in the sheet or stored in the graph; did you mean 'delegation' (The small delegation)?",
                 id="undefined-entity"),
    pytest.param(("relations", 1, "id"), "lee-led-delegation",
                 "facts.yaml: fact 'lee-led-delegation': id: defined 2 times; ids are unique across the sheet",
                 id="duplicate-id"),
    pytest.param(("relations", 0, "predicate"), "commanded",
                 "facts.yaml: fact 'lee-led-delegation': predicate: 'commanded' is not in the predicate vocabulary",
                 id="unknown-predicate"),
    pytest.param(("relations", 0, "subject"), "paris",
                 "facts.yaml: fact 'lee-led-delegation': subject: 'paris' is a city; 'led' takes a subject of type "
                 "person", id="predicate-outside-domain"),
    pytest.param(("relations", 0, "object"), "paris",
                 "facts.yaml: fact 'lee-led-delegation': object: 'paris' is a city;"
                 " 'led' takes a object of type event, organization", id="predicate-outside-range"),
    pytest.param(("events", 0, "date", "edtf"), "2024-01-32",
                 "facts.yaml: fact 'paris-visit': date.edtf: '2024-01-32' is not a calendar date: "
                 "day is out of range for month", id="malformed-date"),
    pytest.param(("events", 0, "date", "text"), "Tuesday",
                 "facts.yaml: fact 'paris-visit': date.text: 'Tuesday' does not stand in this fact's evidence quotes",
                 id="date-words-not-in-the-evidence"),
    pytest.param(("entities", 0, "aliases"), [*SHEET["entities"][0]["aliases"], "Annie"],
                 "facts.yaml: fact 'ann-lee': aliases[2]: 'Annie' is not a surface form of the article",
                 id="alias-the-article-does-not-use"),
    pytest.param(("relations", 1, "object"), "delegation",
                 "facts.yaml: fact 'delegation-met-envoy': relations[1]: subject and object are both 'delegation'",
                 id="self-loop"),
])
def test_rejected_with_one_fault(engine, tmp_path, sheet, path, value, fault):
    *parents, key = path
    functools.reduce(operator.getitem, parents, sheet)[key] = value
    assert rejected(engine, tmp_path, sheet) == [fault]


def test_unknown_type(engine, tmp_path, sheet):
    sheet["entities"][2]["type"] = "planet"
    (fault,) = rejected(engine, tmp_path, sheet)
    assert fault.startswith("facts.yaml: fact 'paris': type: Input should be 'person', 'organization'")


def test_missing_field_and_bad_meta(engine, tmp_path, sheet):
    del sheet["relations"][0]["evidence"]
    meta = dict(META, published="31 January 2024")
    faults = rejected(engine, tmp_path, sheet, meta)
    assert "meta.yaml: published: Input should be a valid date or datetime, invalid character in year" in faults
    assert "facts.yaml: fact 'lee-led-delegation': evidence: Field required" in faults


def test_invalid_yaml_names_the_line(engine, tmp_path, story_dir):
    before = snapshot(engine)
    (story_dir / "facts.yaml").write_text("entities:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(SheetInvalid) as exc:
        ingest_path(engine, story_dir)
    (fault,) = exc.value.faults
    assert fault.file.endswith("facts.yaml") and fault.field.startswith("line 3")
    assert fault.reason.startswith("not valid YAML")
    assert snapshot(engine) == before


def test_every_fault_is_reported_at_once(engine, tmp_path, sheet):
    sheet["relations"][0]["predicate"] = "commanded"
    sheet["relations"][1]["evidence"] = ["nowhere to be found"]
    assert len(rejected(engine, tmp_path, sheet)) == 2


def test_one_bad_story_rejects_the_whole_folder(engine, tmp_path, sheet):
    before = snapshot(engine)
    root = tmp_path / "two"
    good_meta = dict(META, id="another-story")
    write_story(root / "a-good", {"entities": sheet["entities"]}, meta=good_meta)
    sheet["relations"][0]["predicate"] = "commanded"
    write_story(root / "b-bad", sheet)
    with pytest.raises(SheetInvalid):
        ingest_path(engine, root)
    assert snapshot(engine) == before


def test_unchanged_sheet_writes_nothing(engine, story_dir):
    before = snapshot(engine)
    (result,) = ingest_path(engine, story_dir)
    assert result.status == "unchanged"
    assert snapshot(engine) == before


def test_changed_sheet_replaces_the_articles_facts(engine, tmp_path, sheet):
    sheet["relations"] = [r for r in sheet["relations"] if r["id"] != "delegation-met-envoy"]
    sheet["entities"] = [e for e in sheet["entities"] if e["id"] != "envoy"]
    d = write_story(tmp_path / "v2" / "small-talks", sheet)
    (result,) = ingest_path(engine, d)
    assert result.status == "replaced"
    with Session(engine) as s:
        rel_ids = {r for (r,) in s.exec(text("SELECT id FROM relation")).all()}
        ent_ids = {r for (r,) in s.exec(text("SELECT id FROM entity")).all()}
    assert "delegation-met-envoy" not in rel_ids and "lee-led-delegation" in rel_ids
    assert "envoy" not in ent_ids  # nothing supports it any more


def test_every_stored_span_is_the_quote(engine):
    with engine.connect() as c:
        (article,) = c.execute(text("SELECT text FROM article")).one()
        rows = c.execute(text("SELECT quote, start, \"end\" FROM evidence")).all()
    assert rows
    for quote, start, end in rows:
        assert article[start:end] == quote


def test_relation_id_of_another_article(engine, tmp_path, sheet):
    # Another article may state the same relation (same id, same statement): it adds its evidence.
    # Under the same id it may not state another one.
    sheet["relations"][0]["object"] = "paris-visit"
    assert rejected(engine, tmp_path, sheet, dict(META, id="another-story")) == [
        "facts.yaml: fact 'lee-led-delegation': object: already names a relation of article 'small-talks' with "
        "object 'delegation', not 'paris-visit'; one id states one relation"
    ]


# A "billion laughs" document: 700 bytes that expand to 10^9 strings once every alias is followed.
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


def test_yaml_anchors_and_aliases_are_refused_where_they_stand(tmp_path, story_dir):
    (story_dir / "facts.yaml").write_text("entities: []\n" + LAUGHS, encoding="utf-8")
    with pytest.raises(SheetInvalid) as exc:
        read_raw(story_dir)
    (fault,) = exc.value.faults
    assert fault.file.endswith("facts.yaml")
    assert fault.field == "line 2, column 4"  # the first anchor, before any alias is followed
    assert fault.reason.startswith("YAML anchors (&name) and aliases (*name) are not allowed")
    # an alias alone (no anchor in this file would ever define it) and a merge key are refused the same way
    (story_dir / "meta.yaml").write_text("id: x\ntitle: *t\n", encoding="utf-8")
    (story_dir / "facts.yaml").write_text("base: &b {type: person}\nentities:\n  - {<<: *b, id: x}\n", encoding="utf-8")
    with pytest.raises(SheetInvalid) as exc:
        read_raw(story_dir)
    assert [(f.file.rsplit("/", 1)[1], f.field) for f in exc.value.faults] == [
        ("meta.yaml", "line 2, column 8"), ("facts.yaml", "line 1, column 7")]
    # "&" and "*" in text are just text
    (story_dir / "meta.yaml").write_text("id: x\ntitle: 'Q&A *today*'\n", encoding="utf-8")
    (story_dir / "facts.yaml").write_text("entities: []\nnote: AT&T *\n", encoding="utf-8")
    raw = read_raw(story_dir)
    assert raw.meta["title"] == "Q&A *today*" and raw.sheet["note"] == "AT&T *"


def test_control_characters_in_a_story_directory_are_faults(engine, tmp_path, sheet):
    # YAML escapes reach any character ("\x01", "\ud800"); article.txt is read as it is (an ANSI escape here)
    before = snapshot(engine)
    sheet["entities"][0]["name"] = "Ann\x01Lee"
    sheet["relations"][0]["qualifiers"] = {"role": "head\x85"}
    d = write_story(tmp_path / "small-talks", sheet, dict(META, title="Small \ud800talks"),
                    ARTICLE.replace("Critics", "\x1b[31mCritics"))
    with pytest.raises(SheetInvalid) as exc:
        ingest_path(engine, d)
    assert sorted(str(f).split(" (")[0] for f in exc.value.faults) == [
        f"{d}/article.txt: text: U+001B", f"{d}/facts.yaml: fact 'ann-lee': name: U+0001",
        f"{d}/facts.yaml: fact 'lee-led-delegation': qualifiers.role: U+0085", f"{d}/meta.yaml: title: U+D800"]
    assert snapshot(engine) == before


def test_attributes_hold_json_values_only(engine, tmp_path, sheet):
    # YAML has dates and .nan; JSON has neither: the write failed with a traceback, or every read did
    before = snapshot(engine)
    sheet["entities"][0]["attributes"] = {"since": "DATE", "score": float("nan")}
    d = write_story(tmp_path / "small-talks", sheet)
    (d / "facts.yaml").write_text((d / "facts.yaml").read_text().replace("since: DATE", "since: 2021-01-20"))
    with pytest.raises(SheetInvalid) as exc:
        ingest_path(engine, d)
    (fault,) = exc.value.faults
    assert str(fault) == (f"{d}/facts.yaml: fact 'ann-lee': attributes: since: a date is not a JSON value;"
                          " quote it to keep it as text")
    sheet["entities"][0]["attributes"] = {"titles": ["x"], "score": float("inf")}
    d = write_story(tmp_path / "small-talks", sheet)
    with pytest.raises(SheetInvalid) as exc:
        ingest_path(engine, d)
    assert [f.reason for f in exc.value.faults] == ["score: inf is not a JSON number"]
    assert snapshot(engine) == before
