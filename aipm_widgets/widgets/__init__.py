"""Widgets: thin ipywidgets/plotly views over the result objects of :mod:`aipm_widgets.core`.

Each widget exposes ``.result`` (the core object for the current control values) so tests need no
browser, shows errors in words in its own message area, and escapes every text a user typed.
"""
