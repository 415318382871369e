"""plotly figure builders, one module per domain (``figures.lifecycle``, ``figures.topology`` ...).

They take model results from the domain modules and return ``plotly.graph_objects.Figure``
objects (or update a ``FigureWidget`` in place). No formula lives here.

Colours come from :mod:`course_kit.figures.palette` (colour-vision safe, checked by
``tests/test_palette.py`` on every built figure); a figure meant for a widget is built complete
and wrapped with :func:`course_kit.figures.live.live_figure`, and its ``update_*`` function
rewrites it in place.
"""
