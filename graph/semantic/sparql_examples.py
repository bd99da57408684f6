"""The research questions of docs/rdf-sparql.md in SPARQL, verbatim: the tests run exactly these texts."""

from __future__ import annotations

# Who denies what claim, and in which words.
WHO_DENIES_WHAT = """\
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX sg: <https://storygraph.dev/vocab#>
SELECT ?denier ?claim ?status ?quote WHERE {
  ?c a schema:Claim ; schema:text ?claim ; sg:status ?status ;
     prov:qualifiedAttribution ?attribution .
  ?attribution prov:hadRole sg:denier ; prov:agent ?agent ;
     prov:wasDerivedFrom/oa:hasSelector/oa:exact ?quote .
  ?agent schema:name ?denier .
}
ORDER BY ?denier ?claim"""

# Everyone (people, organisations, governments, countries) within two hops of Daskal,
# either direction, through any relation; distance 1 wins over 2.
WITHIN_TWO_HOPS_OF_DASKAL = """\
PREFIX schema: <https://schema.org/>
PREFIX sg: <https://storygraph.dev/vocab#>
PREFIX entity: <https://storygraph.dev/id/>
SELECT ?name ?type (MIN(?d) AS ?hops) WHERE {
  {
    { entity:jen-daskal ?p ?who } UNION { ?who ?p entity:jen-daskal }
    BIND(1 AS ?d)
  } UNION {
    { entity:jen-daskal ?p ?mid } UNION { ?mid ?p entity:jen-daskal }
    ?mid sg:type ?midType .
    { ?mid ?q ?who } UNION { ?who ?q ?mid }
    BIND(2 AS ?d)
  }
  ?who sg:type ?type ; schema:name ?name .
  FILTER(?who != entity:jen-daskal && ?type IN ("person", "organization", "government", "country"))
}
GROUP BY ?who ?name ?type
ORDER BY ?hops ?name"""

# Events in date order: earliest possible day first (an interval open at the start
# sorts by its end), with the article's own words for the date.
EVENTS_IN_DATE_ORDER = """\
PREFIX schema: <https://schema.org/>
PREFIX sg: <https://storygraph.dev/vocab#>
SELECT ?event ?edtf ?words ?earliest ?latest WHERE {
  ?e a schema:Event ; schema:name ?event ; sg:edtf ?edtf ; sg:dateText ?words .
  OPTIONAL { ?e schema:startDate ?earliest }
  OPTIONAL { ?e schema:endDate ?latest }
}
ORDER BY COALESCE(?earliest, ?latest) ?latest ?e"""

# Every person, with the article credits among them: schema.org's namespace here is https://, not http://.
EVERY_PERSON = """\
PREFIX schema: <https://schema.org/>
SELECT ?person ?name WHERE { ?person a schema:Person ; schema:name ?name }
ORDER BY ?name"""

EXAMPLES: dict[str, str] = {
    "who denies what claim": WHO_DENIES_WHAT,
    "everyone within two hops of Daskal": WITHIN_TWO_HOPS_OF_DASKAL,
    "events in date order": EVENTS_IN_DATE_ORDER,
    "every person": EVERY_PERSON,
}
