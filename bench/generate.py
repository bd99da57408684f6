"""Synthetic stories at scale that pass the real verifier (``graph.stories.validate.verify``).

Deterministic for a seed: the same ``(articles, seed)`` gives the same stories,
byte for byte. Each story is what a folder of ``seeds/`` holds: an article text,
its metadata and a fact sheet whose every quote is a sentence the generator
wrote from the fact itself, found exactly once in the text (checked here).

Realistic skew: a few entities (countries, early people and organisations)
appear in thousands of articles, most in one or two. Every article draws the
entities it mentions from the ones already known with a Zipf-like law over
their creation rank (``rank = floor((n+1)**u) - 1``: P(rank r) ~ 1/r), and
introduces a handful of new ones. People have aliases (the surname, the title
and name); organisations an acronym; countries their formal name. Each article
has dated events (EDTF: day, month, year, season, interval), claims that one
agent asserts and, often, another denies, and relations in every modality.

Entities shared between articles carry the SAME id and full definition in every
article that mentions it (the store upserts entities by id); relation ids are
unique per article (prefixed with the article id).

Sizes: ``RELATIONS_PER_ARTICLE`` relations (``about`` edges of claims
included) and about five new entities per article, so 20,000 articles give
about 100,000 entities and 1,000,000 relations.

    python -m bench.generate --articles 1000 --seed 7 --out /tmp/stories   # one folder per story
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.stories.text import NormalizedText

RELATIONS_PER_ARTICLE = 50
PUBLISHER = "Synthetic Wire"
DEFAULT_SEED = 7

# --- names ------------------------------------------------------------------------------------------------------

_ONSETS = ["b", "br", "d", "dr", "f", "g", "gr", "h", "k", "kr", "l", "m", "n", "p", "pr", "r", "s", "st", "t", "tr",
           "v", "z", "ch", "sh", "th", "j", "w"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia"]
_CODAS = ["", "", "", "n", "r", "l", "s", "m", "nd", "rt", "x"]
FIRST_NAMES = ["Ada", "Ahmed", "Aiko", "Alan", "Amara", "Ana", "Anders", "Anika", "Arjun", "Ayla", "Beatriz", "Boris",
               "Carla", "Chen", "Dara", "David", "Elena", "Emeka", "Erik", "Fatima", "Felix", "Grace", "Hana", "Hugo",
               "Ines", "Ivan", "Jamal", "Jana", "Jin", "Joao", "Karim", "Kofi", "Lara", "Leila", "Lin", "Luca",
               "Maya", "Mei", "Mina", "Nadia", "Nikos", "Noor", "Olga", "Omar", "Pablo", "Priya", "Rafael", "Rosa",
               "Sami", "Sara", "Sven", "Tariq", "Tomas", "Uma", "Victor", "Wei", "Yara", "Yusuf", "Zara", "Zoran"]
PERSON_TITLES = ["Foreign Minister", "Trade Minister", "Deputy Trade Minister", "Health Minister", "Senator",
                 "Ambassador", "Governor", "Mayor", "Police Chief", "Finance Minister", "Spokesperson",
                 "Deputy Director", "Chief Negotiator", "Envoy", "Attorney General", "Central Bank Governor"]
ORG_KINDS = ["Trade Council", "Customs Agency", "Port Authority", "Health Institute", "Shipping Group",
             "Chemical Works", "Narcotics Bureau", "Energy Company", "Farmers Union", "Press Association",
             "Rights Commission", "Mining Consortium", "Border Service", "Development Bank"]
TOPIC_STEMS = ["trade tariffs", "drug trafficking", "illicit finance", "water rights", "grain exports",
               "border security", "public health", "rare earth mining", "cyber security", "fishing quotas",
               "energy prices", "migration", "press freedom", "climate adaptation", "debt relief", "arms control"]
SUBSTANCE_STEMS = ["fentanyl", "precursor chemicals", "lithium", "cobalt", "methanol", "ammonium nitrate",
                   "synthetic opioids", "palm oil", "crude oil", "steel"]
EVENT_KINDS = ["summit", "trade talks", "border talks", "health conference", "security dialogue", "ministerial meeting",
               "joint inspection", "port blockade", "sanctions review", "donor conference"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}

AGENT_TYPES = ("person", "organization", "country")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Entity:
    """One entity's full definition, the same in every article that mentions it."""

    id: str
    name: str
    type: str  # person | organization | country | city | topic | substance
    aliases: list[str]
    description: str
    intro: str  # the sentence that introduces it; its evidence quote
    short: str | None = None  # the surname a later sentence may call a person by
    attributes: dict[str, Any] = field(default_factory=dict)
    subject_phrase: str = ""  # how a sentence starts with it
    object_phrase: str = ""  # how a sentence names it elsewhere

    def fact(self, *, ref: bool = False) -> dict[str, Any]:
        """Its entry in a sheet: the full definition, or (``ref``) a reference to the stored node."""
        if ref:
            return {"ref": self.id, "aliases": list(self.aliases), "evidence": [self.intro]}
        out: dict[str, Any] = {"id": self.id, "name": self.name, "type": self.type}
        if self.aliases:
            out["aliases"] = list(self.aliases)
        out["description"] = self.description
        if self.attributes:
            out["attributes"] = self.attributes
        out["evidence"] = [self.intro]
        return out


@dataclass
class GenStory:
    """What a story folder holds: the text, meta.yaml and facts.yaml as data."""

    id: str
    text: str
    meta: dict[str, Any]
    sheet: dict[str, Any]

    @property
    def n_relations(self) -> int:
        """Relations the verified story will have (``about`` edges of claims included)."""
        return len(self.sheet.get("relations", [])) + sum(len(c.get("about", [])) for c in self.sheet.get("claims", []))


# --- the world: every entity known so far, in creation order --------------------------------------------------------


class World:
    def __init__(self, rng: random.Random, sharing: str = "define") -> None:
        self.rng = rng
        self.sharing = sharing
        self.introduced: set[str] = set()  # ids some earlier article defined
        self.used_names: set[str] = set()
        self.used_ids: set[str] = set()
        self.agents: list[Entity] = []  # creation order = fame rank
        self.places: list[Entity] = []
        self.issues: list[Entity] = []  # topics and substances
        self.countries: list[Entity] = []
        for _ in range(40):
            c = self.new_country()
            self.agents.append(c)
            self.places.append(c)
        for _ in range(60):
            self.places.append(self.new_city())
        for stem in TOPIC_STEMS:
            self.issues.append(self.topic(stem))
        for stem in SUBSTANCE_STEMS:
            self.issues.append(self.substance(stem))

    # words
    def word(self, syllables: int) -> str:
        r = self.rng
        w = "".join(r.choice(_ONSETS) + r.choice(_VOWELS) for _ in range(syllables)) + r.choice(_CODAS)
        return w.capitalize()

    def unique(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used_names and slug(name) not in self.used_ids:
                self.used_names.add(name)
                self.used_ids.add(slug(name))
                return name
        raise RuntimeError("name space exhausted")

    # kinds of entity
    def new_country(self) -> Entity:
        name = self.unique(lambda: self.word(2) + "ia")
        formal = f"Republic of {name}"
        e = Entity(slug(name), name, "country", [name, formal], f"A country, formally the {formal}.",
                   f"{name}, formally the {formal}, was among the parties.")
        e.subject_phrase = e.object_phrase = name
        self.countries.append(e)
        return e

    def new_city(self) -> Entity:
        suffixes = ("burg", "ton", "grad", "port")
        name = self.unique(lambda: self.word(self.rng.choice((1, 2))) + self.rng.choice(suffixes))
        country = self.rng.choice(self.countries)
        e = Entity(slug(name), name, "city", [name], f"A city in {country.name}.",
                   f"The city of {name} was also mentioned.")
        e.subject_phrase = e.object_phrase = name
        return e

    def topic(self, stem: str, qualifier: str | None = None) -> Entity:
        name = stem if qualifier is None else f"{qualifier} {stem}"
        self.used_names.add(name)
        self.used_ids.add(slug(name))
        e = Entity(slug(name), name, "topic", [name], f"The issue of {name}.",
                   f"The issue of {name} came up repeatedly.")
        e.subject_phrase = name[0].upper() + name[1:]
        e.object_phrase = name
        return e

    def substance(self, stem: str) -> Entity:
        e = Entity(slug(stem), stem, "substance", [stem], f"The substance {stem}.",
                   f"Shipments of {stem} were discussed.")
        self.used_names.add(stem)
        self.used_ids.add(slug(stem))
        e.subject_phrase = stem[0].upper() + stem[1:]
        e.object_phrase = stem
        return e

    def new_topic(self) -> Entity:
        r = self.rng
        return self.topic(self.unique(lambda: f"{r.choice(self.places).name} {r.choice(TOPIC_STEMS)}"))

    def new_person(self) -> Entity:
        r = self.rng
        first = r.choice(FIRST_NAMES)
        surname = self.word(r.choice((1, 2, 2, 3)))
        name = self.unique(lambda: f"{first} {surname}" if f"{first} {surname}" not in self.used_names
                           else f"{r.choice(FIRST_NAMES)} {self.word(r.choice((2, 3)))}")
        surname = name.split()[-1]
        country = r.choice(self.countries)
        title = r.choice(PERSON_TITLES)
        titled = f"{country.name}'s {title} {name}"
        e = Entity(slug(name), name, "person", [name, surname, titled], f"{title} of {country.name}.",
                   f"{titled}, known as {surname}, took part.", short=surname, attributes={"titles": [title]})
        e.subject_phrase = e.object_phrase = name
        return e

    def new_org(self) -> Entity:
        r = self.rng
        kind = r.choice(ORG_KINDS)
        name = self.unique(lambda: f"{self.word(2)} {kind}")
        acronym = "".join(w[0] for w in name.split()).upper() + str(r.randint(1, 99))
        e = Entity(slug(name), name, "organization", [name, acronym], f"An organisation: the {name}.",
                   f"The {name} ({acronym}) was represented.")
        e.subject_phrase = f"The {name}"
        e.object_phrase = f"the {name}"
        return e

    def pick(self, pool: list[Entity], k: int, taken: set[str]) -> list[Entity]:
        """``k`` distinct entities of ``pool``, Zipf-like by creation rank, none in ``taken``."""
        out: list[Entity] = []
        n = len(pool)
        for _ in range(k * 8):
            if len(out) == k:
                break
            rank = int(math.exp(self.rng.random() * math.log(n + 1))) - 1
            e = pool[min(rank, n - 1)]
            if e.id not in taken:
                taken.add(e.id)
                out.append(e)
        return out


# --- dates -------------------------------------------------------------------------------------------------------


def _date_phrase(rng: random.Random, year_lo: int, year_hi: int) -> tuple[str, str]:
    """(edtf, words) of a date between the years, at a random precision."""
    y = rng.randint(year_lo, year_hi)
    kind = rng.random()
    if kind < 0.35:
        m, d = rng.randint(1, 12), rng.randint(1, 28)
        return f"{y}-{m:02d}-{d:02d}", f"on {MONTHS[m - 1]} {d}, {y}"
    if kind < 0.6:
        m = rng.randint(1, 12)
        return f"{y}-{m:02d}", f"in {MONTHS[m - 1]} {y}"
    if kind < 0.8:
        return f"{y}", f"in {y}"
    if kind < 0.9:
        s = rng.randint(21, 24)
        return f"{y}-{s}", f"in the {SEASONS[s]} of {y}"
    y2 = rng.randint(y + 1, y + 3)
    return f"{y}/{y2}", f"between {y} and {y2}"


# --- one article -------------------------------------------------------------------------------------------------

# (predicate, subject kinds, object kinds, modality, template); {s} subject, {o} object, {t} time, {src} source
TEMPLATES: list[tuple[str, tuple[str, ...], tuple[str, ...], str, str]] = [
    ("met_with", AGENT_TYPES, AGENT_TYPES, "asserted", "{s} met with {o}{t}."),
    ("met_with", AGENT_TYPES, AGENT_TYPES, "expected", "{s} is expected to meet {o}{t}."),
    ("met_with", AGENT_TYPES, AGENT_TYPES, "denied", "{s} did not meet {o}{t}."),
    ("visited", AGENT_TYPES, ("city", "country"), "asserted", "{s} visited {o}{t}."),
    ("visited", AGENT_TYPES, ("city", "country"), "planned", "{s} plans to visit {o}{t}."),
    ("visited", AGENT_TYPES, ("city", "country"), "reported", "{s} travelled to {o}{t}, according to {src}."),
    ("represents", AGENT_TYPES, AGENT_TYPES, "asserted", "{s} spoke on behalf of {o}{t}."),
    ("member_of", ("person", "organization"), ("organization",), "asserted", "{s} is a member of {o}."),
    ("urged", AGENT_TYPES, AGENT_TYPES, "asserted", "{s} urged {o} to do more{t}."),
    ("applauded", AGENT_TYPES, (*AGENT_TYPES, "event"), "asserted", "{s} applauded {o}{t}."),
    ("seeks", AGENT_TYPES, ("topic",), "hoped", "{s} hopes for progress on {o}."),
    ("agreed_to_address", AGENT_TYPES, ("topic", "substance"), "asserted", "{s} agreed to address {o}{t}."),
    ("announced", AGENT_TYPES, ("event", "topic"), "asserted", "{s} announced {o}{t}."),
    ("participated_in", AGENT_TYPES, ("event",), "asserted", "{s} took part in {o}."),
    ("carried_out", AGENT_TYPES, ("event",), "asserted", "{s} organised {o}."),
    ("took_place_in", ("event",), ("city", "country"), "asserted", "{s} took place in {o}."),
    ("addressed", ("event",), ("topic", "substance"), "asserted", "{s} addressed {o}."),
]


def _wrap(paragraph: str, width: int = 72) -> str:
    lines, line = [], ""
    for word in paragraph.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)


class _Article:
    def __init__(self, world: World, index: int, rng: random.Random, relations: int, prefix: str = "synthetic") -> None:
        self.w, self.i, self.rng = world, index, rng
        self.id = f"{prefix}-{index:06d}"
        self.tag = "" if prefix == "synthetic" else f"{prefix}-"  # keeps event and claim ids apart between runs
        self.target = relations

    def build(self) -> GenStory:
        w, r = self.w, self.rng
        # Publication order is ingestion order (graph.ingest sorts a folder by it): about 12 a day.
        published = dt.date(2020, 1, 1) + dt.timedelta(days=self.i // 12)
        taken: set[str] = set()
        # New entities (about five per article), then the known ones it mentions (Zipf by fame).
        new_agents = [w.new_person(), w.new_person(), w.new_org()]
        known_agents = w.pick(w.agents, 7, taken | {e.id for e in new_agents})
        agents = new_agents + known_agents
        w.agents.extend(new_agents)
        new_places = [w.new_city()] if r.random() < 0.2 else []
        w.places.extend(new_places)
        places = new_places + w.pick(w.places, 2, set(taken))
        new_issues = [w.new_topic()] if r.random() < 0.2 else []
        w.issues.extend(new_issues)
        issues = new_issues + w.pick(w.issues, 3, set(taken))
        entities = list({e.id: e for e in agents + places + issues}.values())

        # events: one or two, with dates
        events = []
        for j in range(r.choice((1, 1, 2))):
            place = r.choice(places)
            kind = r.choice(EVENT_KINDS)
            edtf, words = _date_phrase(r, published.year - 3, published.year)
            name = f"{place.name} {kind} {self.i}-{j + 1}"
            sentence = f"The {name} was held {words}."
            events.append({"id": f"ev-{self.tag}{self.i}-{j + 1}", "name": name, "date": {"edtf": edtf, "text": words},
                           "evidence": [sentence], "_phrase": f"the {name}", "_subject": f"The {name}",
                           "_sentence": sentence, "_type": "event"})

        # short names: a person may be called by surname when no other entity of the article shares it
        shorts = [e.short for e in entities if e.short]
        names_lower = " ".join(e.name for e in entities)
        usable_short = {e.id for e in entities if e.short and shorts.count(e.short) == 1
                        and names_lower.count(e.short) == 1}

        def phrase(e, subject: bool) -> str:
            if isinstance(e, dict):
                return e["_subject"] if subject else e["_phrase"]
            if e.id in usable_short and r.random() < 0.3:
                return e.short
            return e.subject_phrase if subject else e.object_phrase

        by_kind: dict[str, list] = {}
        for e in entities:
            by_kind.setdefault(e.type, []).append(e)
        by_kind["event"] = events

        # claims: one (sometimes two), asserted by an agent, often denied by another
        claims, sentences_claims, relations = [], [], []
        for j in range(r.choice((1, 1, 2))):
            a, d = r.sample(agents, 2)
            about_issue = r.choice(issues)
            about_agent = r.choice([x for x in agents if x.id not in (a.id, d.id)])
            prop = (f"{about_agent.object_phrase} is to blame for {self.i}-{j + 1} failures"
                    f" on {about_issue.object_phrase}")
            cid = f"claim-{self.tag}{self.i}-{j + 1}"
            claims.append({"id": cid, "text": prop[0].upper() + prop[1:] + ".",
                           "about": [about_agent.id, about_issue.id], "evidence": [prop]})
            edtf, words = _date_phrase(r, published.year - 1, published.year)
            s1 = f"{phrase(a, True)} said {words} that {prop}."
            relations.append(self.rel("asserts", a.id, cid, "asserted", s1, time=(edtf, words)))
            sentences_claims.append(s1)
            if r.random() < 0.7:
                s2 = f"{phrase(d, True)} rejected claim {self.i}-{j + 1}."
                relations.append(self.rel("denies", d.id, cid, "asserted", s2))
                sentences_claims.append(s2)

        # positions for the new people
        body: list[str] = []
        for p in new_agents[:2]:
            o = r.choice(by_kind.get("organization", []) + by_kind.get("country", []))
            role = p.attributes["titles"][0]
            s = f"{phrase(p, True)} serves as {role} for {o.object_phrase}."
            relations.append(self.rel("holds_position", p.id, o.id, "asserted", s, role=role))
            body.append(s)

        want = self.target - sum(len(c["about"]) for c in claims)
        seen = {(x["subject"], x["predicate"], x["object"]) for x in relations}
        for _ in range(want * 20):
            if len(relations) >= want:
                break
            pred, sk, ok, modality, tpl = r.choice(TEMPLATES)
            subj_pool = [e for k in sk for e in by_kind.get(k, [])]
            obj_pool = [e for k in ok for e in by_kind.get(k, [])]
            if not subj_pool or not obj_pool:
                continue
            s, o = r.choice(subj_pool), r.choice(obj_pool)
            sid, oid = (s["id"] if isinstance(s, dict) else s.id), (o["id"] if isinstance(o, dict) else o.id)
            if sid == oid or (sid, pred, oid) in seen:
                continue
            seen.add((sid, pred, oid))
            time = None
            t = ""
            if "{t}" in tpl and r.random() < 0.5:
                edtf, words = _date_phrase(r, published.year - 2, published.year + 1)
                time, t = (edtf, words), f" {words}"
            src = None
            if "{src}" in tpl:
                src = r.choice([x for x in agents if x.id not in (sid, oid)])
            sentence = tpl.format(s=phrase(s, True), o=phrase(o, False), t=t,
                                  src=src.object_phrase if src else "")
            relations.append(self.rel(pred, sid, oid, modality, sentence, time=time,
                                      source=src.id if src else None))
            body.append(sentence)

        # the text: title, date line, byline, then paragraphs (introductions first, as a reporter would)
        intro = [e.intro for e in entities] + [ev["_sentence"] for ev in events]
        r.shuffle(body)
        sentences = intro + sentences_claims + body
        a0, a1 = known_agents[0] if known_agents else agents[0], agents[0]
        title = f"{a0.name} and {a1.name} in talks over {issues[0].name}"
        author = f"{r.choice(FIRST_NAMES)} {w.word(2)}"
        dateline = places[0].name
        paragraphs, k = [], 0
        while k < len(sentences):
            n = r.randint(3, 5)
            paragraphs.append(" ".join(sentences[k:k + n]))
            k += n
        paragraphs[0] = f"{dateline.upper()} ({PUBLISHER}) - {paragraphs[0]}"
        text = (f"{title}\n[{MONTHS[published.month - 1]} {published.day}, {published.year}]\nBy {author}\n"
                + "\n".join(_wrap(p) for p in paragraphs) + "\n")
        relations = self._unique_quotes(text, relations)

        refs = {e.id for e in entities if e.id in w.introduced} if w.sharing == "ref" else set()
        w.introduced.update(e.id for e in entities)
        sheet = {
            "entities": [e.fact(ref=e.id in refs) for e in entities],
            "events": [{k: v for k, v in ev.items() if not k.startswith("_")} for ev in events],
            "claims": claims,
            "relations": relations,
        }
        meta = {"id": self.id, "title": title, "publisher": PUBLISHER, "published": published.isoformat(),
                "authors": [author], "dateline": dateline, "language": "en"}
        self._check_quotes(text, sheet)
        return GenStory(self.id, text, meta, sheet)

    def rel(self, predicate: str, s: str, o: str, modality: str, sentence: str, *, time=None, role=None,
            source=None) -> dict[str, Any]:
        self._n = getattr(self, "_n", 0) + 1
        out: dict[str, Any] = {"id": f"{self.id}-r{self._n}", "subject": s, "predicate": predicate, "object": o}
        if modality != "asserted":
            out["modality"] = modality
        q: dict[str, Any] = {}
        if time:
            q["time"] = {"edtf": time[0], "text": time[1]}
        if role:
            q["role"] = role
        if source:
            q["source"] = source
        if q:
            out["qualifiers"] = q
        out["evidence"] = [sentence]
        return out

    @staticmethod
    def _unique_quotes(text: str, relations: list[dict]) -> list[dict]:
        """Drop the (rare) relation whose sentence also ends another sentence: every quote occurs once."""
        norm = NormalizedText(text)
        return [x for x in relations if len(norm.find_all(x["evidence"][0])) == 1]

    @staticmethod
    def _check_quotes(text: str, sheet: dict) -> None:
        norm = NormalizedText(text)
        for section in ("entities", "events", "claims", "relations"):
            for f in sheet[section]:
                for q in f["evidence"]:
                    n = len(norm.find_all(q))
                    if n != 1:
                        raise AssertionError(f"{f['id']}: quote occurs {n} times: {q!r}")


def default_sharing() -> str:
    """``ref`` when the fact-sheet format has ``ref:`` entries (graph.stories.sheet.RefFact), else ``define``."""
    from graph.stories import sheet

    return "ref" if hasattr(sheet, "RefFact") else "define"


def generate(articles: int, *, seed: int = DEFAULT_SEED, relations: int = RELATIONS_PER_ARTICLE,
             sharing: str | None = None, prefix: str = "synthetic") -> Iterator[GenStory]:
    """``articles`` stories, deterministic for ``seed``.

    ``sharing`` says how an article mentions an entity an earlier article introduced:
    ``define`` repeats its full definition (same id; the store upserts by id), ``ref``
    writes ``{ref: id, aliases, evidence}`` (the stored node gains this article's aliases and
    evidence). Default: :func:`default_sharing`. With ``ref``, stories must be verified and
    stored in order. ``prefix`` (a slug) starts the article ids (``synthetic-000001``) and tags
    event and claim ids, so a second run with another prefix adds new articles.
    """
    rng = random.Random(seed)
    world = World(rng, sharing or default_sharing())
    for i in range(1, articles + 1):
        yield _Article(world, i, random.Random(rng.random()), relations, prefix).build()


def write_story_dir(root: str | Path, story: GenStory) -> Path:
    """The story as a folder of ``seeds/``: article.txt, meta.yaml, facts.yaml."""
    d = Path(root) / story.id
    d.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with open(d / "article.txt", "w", encoding="utf-8", newline="") as f:
        f.write(story.text)
    (d / "meta.yaml").write_text(yaml.dump(story.meta, Dumper=dumper, sort_keys=False, allow_unicode=True),
                                 encoding="utf-8")
    (d / "facts.yaml").write_text(yaml.dump(story.sheet, Dumper=dumper, sort_keys=False, allow_unicode=True,
                                            width=10_000), encoding="utf-8")
    return d


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, required=True)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--relations", type=int, default=RELATIONS_PER_ARTICLE, help="relations per article")
    p.add_argument("--sharing", choices=("define", "ref"), help="how shared entities are written (default: ref "
                   "when the sheet format has ref: entries)")
    p.add_argument("--out", type=Path, required=True, help="folder to write one story folder per article into")
    a = p.parse_args(argv)
    n_rel = 0
    for story in generate(a.articles, seed=a.seed, relations=a.relations, sharing=a.sharing):
        write_story_dir(a.out, story)
        n_rel += story.n_relations
    print(f"wrote {a.articles} stories ({n_rel} relations) to {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
