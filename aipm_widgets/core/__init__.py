"""Pure computation: no ipywidgets, no plotly, no display code.

Everything here can run in a batch job, the ``aipm`` command line, or a test with ipywidgets
blocked; widgets in :mod:`aipm_widgets.widgets` are thin views over the result objects built here.
"""
