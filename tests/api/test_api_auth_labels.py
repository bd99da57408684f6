"""Who a merge records for an unnamed token: a keyed label, not a hash anyone can recompute (issue 10, item 7).

``by: token-f52fbd32`` was the first 32 bits of an unsalted SHA-256 of the secret: public on
``GET /v1/merges``, and a nine-word dictionary recovered ``hunter2``. The label is now an HMAC of the
secret under a random key that the database makes once (migration 0005) and the API never shows: the
same token gets the same label across restarts and processes of one deployment, a different one in
another deployment, and no dictionary finds the secret without the key.
"""

from __future__ import annotations

import hashlib
import re

from apitools import start

from app.settings import REPO_SEEDS

WEAK = "hunter2"
# A few of the most common passwords; the attacker's dictionary, and the hashes one would try.
DICTIONARY = ("123456", "password", "12345678", "qwerty", "letmein", "dragon", "iloveyou", "admin", WEAK,
              "s3cret", "changeme", "token")
UNKEYED = (hashlib.sha256, hashlib.sha1, hashlib.md5, hashlib.sha512, hashlib.blake2b)
MERGE = ("/v1/entities/Ng%20Han%20Guan/merge", {"into": "Andrew Cawthorne"})


def _merge_label(client) -> tuple[str, str]:
    """Merge as the unnamed weak token, undo it; the labels recorded for both."""
    auth = {"Authorization": f"Bearer {WEAK}"}
    r = client.post(MERGE[0], json=MERGE[1], headers=auth)
    assert r.status_code == 201, r.text
    merge = r.json()
    r = client.post(f"/v1/merges/{merge['id']}/undo", headers=auth)
    assert r.status_code == 200, r.text
    return merge["by"], r.json()["undone_by"]


def test_an_unnamed_tokens_label_resists_a_dictionary(database_url):
    with start(database_url("labels"), REPO_SEEDS, api_tokens=f"alice:other-secret,{WEAK}") as c:
        by, undone_by = _merge_label(c)
        listed = c.get("/v1/merges").text
    assert by == undone_by
    assert re.fullmatch(r"token-[0-9a-f]{12}", by), by
    digits = by.removeprefix("token-")
    assert digits != hashlib.sha256(WEAK.encode()).hexdigest()[:8]
    cracked = [w for w in DICTIONARY for h in UNKEYED
               if digits[:8] in (h(w.encode()).hexdigest()[:8], h(w.encode()).hexdigest()[-8:])]
    assert cracked == []
    assert WEAK not in listed


def test_the_label_is_stable_across_restarts_and_differs_between_deployments(database_url):
    url = database_url("restarts")
    labels = []
    for _ in range(2):  # two starts of one deployment: the key lives in its database
        with start(url, REPO_SEEDS, api_tokens=WEAK) as c:
            labels.append(_merge_label(c)[0])
    with start(database_url("elsewhere"), REPO_SEEDS, api_tokens=WEAK) as c:
        other = _merge_label(c)[0]
    assert labels[0] == labels[1]
    assert other != labels[0]


def test_the_key_is_never_served(database_url):
    """No read answers the key: it is in no export, no record, no problem."""
    from sqlalchemy import text

    with start(database_url("hidden"), REPO_SEEDS, api_tokens=WEAK) as c:
        with c.app.state.runtime.engine.connect() as conn:
            key = conn.execute(text("SELECT key FROM deployment_key")).scalar_one()
        assert len(key) == 64
        _merge_label(c)
        for url in ("/v1/merges", "/v1/graph", "/v1/graph?format=turtle", "/v1/graph?format=graphml",
                    "/v1/articles/fentanyl-talks-2024-01-31", "/openapi.json"):
            r = c.get(url)
            assert r.status_code == 200, (url, r.status_code)
            assert key not in r.text, url
