"""The per-index memo (graph/indexing/memo.py): one computation per answer, bounded, gone with its index or revision."""

from __future__ import annotations

import gc
import multiprocessing
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

import pytest

from graph.indexing import memo
from graph.indexing.index import index_from_stories
from graph.semantic.rdf import rdf_graph
from graph.stories.files import read_story, story_dirs
from graph.testing import SEEDS


class Index:
    """Anything weakly referable with a revision will do."""

    def __init__(self, revision: str = "1.a") -> None:
        self.revision = revision


def test_identical_requests_at_once_share_one_computation():
    ix, calls = Index(), []
    gate = threading.Barrier(8)

    def compute():
        calls.append(1)
        time.sleep(0.2)  # long enough that all eight ask while it runs; nothing asserts on time
        return object()

    def ask(_):
        gate.wait(10)
        return memo.get(ix, "picture", "k", compute, size=4)

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(ask, range(8)))
    assert len(calls) == 1 and len({id(x) for x in got}) == 1


def test_a_failed_computation_is_not_kept():
    ix = Index()

    def fail():
        raise RuntimeError("layout failed")

    with pytest.raises(RuntimeError):
        memo.get(ix, "picture", "k", fail, size=4)
    assert memo.get(ix, "picture", "k", lambda: "drawn", size=4) == "drawn"
    assert memo.get(ix, "picture", "k", lambda: "again", size=4) == "drawn"


def test_each_kind_has_its_own_bound():
    ix = Index()
    memo.get(ix, "store", None, lambda: "costly", size=1)
    for k in range(10):
        memo.get(ix, "picture", k, lambda k=k: k, size=3)
    assert memo.kept(ix, "picture") == [7, 8, 9] and memo.kept(ix, "store") == [None]


def test_an_index_at_a_new_revision_drops_the_answers_of_the_old_one():
    ix = Index("1.a")
    memo.get(ix, "analytics", "x", lambda: "old", size=8)
    ix.revision = "2.b"
    assert memo.kept(ix, "analytics") == []
    assert memo.get(ix, "analytics", "x", lambda: "new", size=8) == "new"


def test_an_answer_computed_while_the_index_moved_on_is_not_kept_for_the_new_revision():
    ix = Index("1.a")

    def compute():
        ix.revision = "2.b"  # a write applied meanwhile (only outside the API's read lock)
        memo.get(ix, "other", None, lambda: 0, size=1)
        return "of revision 1"

    assert memo.get(ix, "rdf", None, compute, size=1) == "of revision 1"
    assert memo.get(ix, "rdf", None, lambda: "of revision 2", size=1) == "of revision 2"


def test_an_index_that_goes_takes_its_rdf_view_with_it():
    """The RDF view was kept module-wide by revision, so a replaced index's view stayed in memory."""
    ix = index_from_stories([read_story(d) for d in story_dirs(SEEDS)])
    view = weakref.ref(rdf_graph(ix))
    assert rdf_graph(ix) is view()
    del ix
    gc.collect()
    assert view() is None


def test_a_forked_child_does_not_wait_for_a_computation_of_its_parent():
    """The SPARQL store's RDF writer is a forked child: a parent's thread in mid-computation does not exist there."""
    ix = Index()
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(30)
        return "parent"

    parent = threading.Thread(target=lambda: memo.get(ix, "rdf-documents", None, slow, size=1))
    parent.start()
    started.wait(10)

    def child():
        raise SystemExit(0 if memo.get(ix, "rdf-documents", None, lambda: "child", size=1) == "child" else 3)

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join(30)
    if process.is_alive():
        process.kill()
        process.join()
    release.set()
    parent.join()
    assert process.exitcode == 0
    assert memo.get(ix, "rdf-documents", None, lambda: "again", size=1) == "parent"
