"""A story as it comes in: its fact sheet, its article's text, and the checks that verify one against the other.

The first steps of the path every fact takes (sheet, verify; then :mod:`graph.storage`,
:mod:`graph.indexing`, :mod:`graph.algorithms`, and the formats):

- :mod:`~graph.stories.sheet`: the ``facts.yaml`` / ``meta.yaml`` file format, checked field by field.
- :mod:`~graph.stories.files`: reading a story directory.
- :mod:`~graph.stories.text`, :mod:`~graph.stories.clauses`: the article's sentences and the clauses a fact cites.
- :mod:`~graph.stories.validate`: a sheet verified against its article, and turned into a :class:`graph.model.Story`.
- :mod:`~graph.stories.resolution`: what a new sheet may refer to among the stored nodes and relations.
- :mod:`~graph.stories.coverage`: which statements of the article the facts cite, and which none does.
"""
