"""The controlled vocabulary: entity types, modalities and predicates.

Every relation's predicate must be one of :data:`PREDICATES`, and its subject
and object types must lie in the predicate's domain and range. The vocabulary
is data, not code, so the API can publish it (``GET /v1/predicates``) and the
README can document it from the same source.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EntityType(StrEnum):
    person = "person"
    organization = "organization"  # delegations, agencies, companies, groups
    government = "government"  # a government body or its officials acting as such
    country = "country"  # a state; also its government when the article speaks of it as an actor
    city = "city"
    facility = "facility"  # a building or site
    event = "event"  # something that happened or is planned, with a date
    claim = "claim"  # a proposition that agents assert or deny
    substance = "substance"
    topic = "topic"  # an issue, policy area or relationship that facts are about
    disease = "disease"
    document = "document"  # the article, a photograph


class Modality(StrEnum):
    """How the article commits to a relation (after NewsReader/GRaSP attribution)."""

    asserted = "asserted"  # certain, positive: stated as fact
    denied = "denied"  # certain, negative
    planned = "planned"  # intended future action
    expected = "expected"  # probable future
    hoped = "hoped"  # wished for, possible future
    reported = "reported"  # stated on someone's word (see the ``source`` qualifier)


T = EntityType
AGENTS = frozenset({T.person, T.organization, T.government, T.country})
PLACES = frozenset({T.city, T.country, T.facility})
ANY = frozenset(T)


@dataclass(frozen=True, slots=True)
class Predicate:
    name: str
    meaning: str
    domain: frozenset[EntityType]
    range: frozenset[EntityType]


def _p(name: str, meaning: str, domain, range_) -> Predicate:
    return Predicate(name, meaning, frozenset(domain), frozenset(range_))


PREDICATES: dict[str, Predicate] = {
    p.name: p
    for p in [
        # people and organisations
        _p("holds_position", "the subject holds the office or title given by the `role` qualifier in the object", {T.person}, {T.organization, T.government, T.country}),
        _p("led", "the subject headed the object (a group, delegation or event)", {T.person}, {T.organization, T.event}),
        _p("member_of", "the subject belongs to the object", {T.person, T.organization, T.government, T.country}, {T.organization, T.government}),
        _p("represents", "the subject acts on behalf of the object", AGENTS, AGENTS),
        _p("met_with", "the subject met the object in person", AGENTS, AGENTS),
        _p("located_in", "the subject is situated in the object", {T.facility, T.city, T.organization}, PLACES),
        _p("visited", "the subject travelled to the object place", AGENTS, PLACES),
        # events
        _p("participated_in", "the subject took part in the object event (its part in the `role` qualifier)", AGENTS, {T.event}),
        _p("carried_out", "the subject performed the object action", AGENTS, {T.event}),
        _p("took_place_in", "the subject event happened (or is to happen) at the object place", {T.event}, PLACES),
        _p("follows", "the subject event came after the object event", {T.event}, {T.event}),
        _p("precedes", "the subject event came before the object event", {T.event}, {T.event}),
        _p("resulted_in", "the subject event brought about the object", {T.event}, {T.event, T.organization, T.topic}),
        _p("launched", "the subject started the object group or initiative", AGENTS | {T.event}, {T.organization, T.event}),
        _p("announced", "the subject made the object public", AGENTS, {T.event, T.topic}),
        _p("part_of", "the subject is a part or an area of the object", {T.topic, T.event}, {T.topic, T.event}),
        _p("addressed", "the subject event or agreement dealt with the object issue", {T.event}, {T.topic, T.substance}),
        _p("targeted", "the subject action or effort was directed against the object", {T.event, T.topic}, {T.organization, T.substance, T.topic}),
        _p("directed_to", "the subject action was sent or addressed to the object", {T.event}, AGENTS),
        _p("enables", "the subject makes it possible for the object to act (how in the `role` qualifier)", {T.event, T.organization}, AGENTS),
        _p("assesses", "the subject reviews or measures the object, or is the event where it is done", AGENTS | {T.event}, {T.topic}),
        _p("coincided_with", "the subject event happened when the object did or, for a disease, arrived (a time, not a cause)", {T.event}, {T.event, T.disease}),
        # stance and aims
        _p("agreed_to_address", "the subject agreed to work on the object issue", AGENTS, {T.topic, T.substance}),
        _p("seeks", "the subject wants or hopes for the object (modality hoped)", AGENTS, {T.topic}),
        _p("urged", "the subject called on the object to act (what in the `role` qualifier)", AGENTS, AGENTS | {T.topic}),
        _p("applauded", "the subject praised the object (why in the `role` qualifier)", AGENTS, AGENTS | {T.event}),
        _p("asserts", "the subject states the object claim as true", AGENTS | {T.document}, {T.claim}),
        _p("denies", "the subject states the object claim is false", AGENTS, {T.claim}),
        _p("about", "the subject claim concerns the object", {T.claim}, ANY - {T.claim}),
        _p("stated_in", "the subject claim was said in the object interview, statement or document", {T.claim}, {T.event, T.document}),
        # causes and effects on issues
        _p("used_to_make", "the subject substance is used to produce the object substance", {T.substance}, {T.substance}),
        _p("cause_of", "the subject is a cause of the object (how much in the `role` qualifier)", {T.substance, T.event, T.topic, T.disease}, {T.topic}),
        _p("marks", "the subject is a sign of the object", {T.event, T.organization}, {T.topic}),
        _p("improved", "the subject made the object better", {T.event, T.organization}, {T.topic}),
        _p("worsened", "the subject made the object worse", {T.event, T.topic}, {T.topic}),
        _p("disrupted", "the subject interrupted or ended the object", {T.event, T.disease, T.topic}, {T.topic}),
        _p("strained_by", "the subject relationship was made tense by the object issue", {T.topic}, {T.topic, T.disease}),
        _p("hampered", "the subject got in the way of the object", {T.topic, T.event}, {T.topic}),
        # the report itself
        _p("reported", "the subject reported the object story", {T.person}, {T.document}),
        _p("edited", "the subject edited the object story", {T.person}, {T.document}),
        _p("photographed", "the subject took the object photograph", {T.person}, {T.document}),
        _p("published", "the subject published or distributed the object", {T.organization}, {T.document}),
        _p("depicts", "the subject document shows the object", {T.document}, ANY - {T.claim, T.document}),
    ]
}
