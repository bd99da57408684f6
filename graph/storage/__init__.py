"""The database: the source of truth, written in one transaction per story.

- :mod:`~graph.storage.tables`: the SQLModel tables.
- :mod:`~graph.storage.schema`: the schema's version under Alembic (``migrations/``).
- :mod:`~graph.storage.store`: writing stories and reading them back.
- :mod:`~graph.storage.changes`: the change log, what each revision touched.
- :mod:`~graph.storage.merge`: merging a duplicate entity, recorded so that it can be undone.
- :mod:`~graph.storage.search`: the full-text index over the articles' words and the facts' names.
"""
