"""plotly figure builders, one module per domain (``figures.lifecycle``, ``figures.topology`` ...).

They take model results from the domain modules and return ``plotly.graph_objects.Figure``
objects (or update a ``FigureWidget`` in place). No formula lives here.
"""
