"""Pictures of the graph: SVG drawings, and which entities each picture shows.

- :mod:`~graph.drawing.render`: SVG for papers, slides and the explorer page.
- :mod:`~graph.drawing.pictures`: what each picture shows, drawn once however many ask.
"""
