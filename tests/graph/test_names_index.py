"""The name index kept up to date by refresh() answers as one built from scratch."""

from __future__ import annotations

import random

import pytest

from graph.indexing.names import NameIndex
from graph.testing import seed_index


def _answers(names: NameIndex, queries: list[str]) -> list:
    return [[(m.id, m.score, m.matched) for m in names.search(q)] for q in queries]


def _queries(g, rng: random.Random) -> list[str]:
    out = ["dask", "Daskall", "China", "us", "beijing talks", "COVID19", "renamed", "Xi", "fent"]
    for n in rng.sample(sorted(g), 12):
        name = g.nodes[n]["name"]
        i = rng.randrange(len(name))
        out += [name, name[: max(3, len(name) // 2)], name[:i] + name[i + 1:], n]
    return out


@pytest.mark.parametrize("seed", range(6))
def test_refresh_after_random_edits_matches_a_rebuild(seed):
    rng = random.Random(seed)
    g = seed_index().g.copy()
    names = NameIndex(g)
    for step in range(40):
        nodes = sorted(g)
        op = rng.choice(["add", "remove", "rename", "alias", "unalias"])
        touched = []
        if op == "add":
            base = g.nodes[rng.choice(nodes)]
            new = f"new-{seed}-{step}"
            g.add_node(new, name=rng.choice([base["name"], f"Renamed {base['name']}", f"Zed {step}"]),
                       type=base["type"], aliases=list(rng.sample(base["aliases"], min(2, len(base["aliases"])))))
            g.add_edge(new, rng.choice(nodes), key=f"r-{new}", id=f"r-{new}", predicate="mentions")
            touched = [new]
        elif op == "remove":
            victim = rng.choice(nodes)
            g.remove_node(victim)
            touched = [victim]
        elif op == "rename":
            n = rng.choice(nodes)
            g.nodes[n]["name"] = rng.choice([g.nodes[rng.choice(nodes)]["name"], f"Renamed {n}"])
            touched = [n]
        elif op == "alias":
            n = rng.choice(nodes)
            g.nodes[n]["aliases"] = g.nodes[n]["aliases"] + [g.nodes[rng.choice(nodes)]["name"]]
            touched = [n]
        else:
            n = rng.choice(nodes)
            g.nodes[n]["aliases"] = g.nodes[n]["aliases"][1:]
            touched = [n]
        names.refresh([*touched, f"never-there-{step}"])
    fresh = NameIndex(g)
    queries = _queries(g, rng)
    assert _answers(names, queries) == _answers(fresh, queries)
    for q in queries:
        try:
            expected = fresh.resolve(q)
        except Exception as exc:  # the same error, both ways
            with pytest.raises(type(exc)):
                names.resolve(q)
        else:
            assert names.resolve(q) == expected


def test_a_page_is_a_slice_of_the_whole_ranking():
    names = seed_index().names
    for q in ("dask", "china", "the", "Daskall", "us"):
        whole = names.search(q)
        for offset, limit in ((0, 1), (1, 2), (2, 5), (0, 100), (len(whole), 3)):
            total, page = names.search_page(q, offset=offset, limit=limit)
            assert total == len(whole)
            assert page == whole[offset:offset + limit]
        for kind in ("person", "country", "event"):
            typed = [m for m in whole if names._g.nodes[m.id]["type"] == kind]
            assert names.search_page(q, offset=1, limit=3, type=kind) == (len(typed), typed[1:4])


def test_a_typo_or_a_joined_name_is_found():
    names = seed_index().names
    assert names.search("Daskel")[0].id == "jen-daskal"
    assert names.search("Jen Dsakal")[0].id == "jen-daskal"  # two letters swapped
    assert names.search("COVID19")[0].id == "covid-19"  # words run together
