"""Pure computation: no ipywidgets, no display code (plotly only to draw the brief's exported charts).

Everything here can run in a batch job, the ``aipm`` command line, or a test with ipywidgets
blocked; widgets in :mod:`aipm_widgets.widgets` are thin views over the result objects built here.

Organised by stage, imports one way (``tests/test_layers.py``): the shared foundations (:mod:`.record`,
:mod:`.checklists`, :mod:`.io`, :mod:`.stats`, :mod:`.text`, :mod:`.tasks`, :mod:`.demo`, :mod:`.project`)
import no stage; then :mod:`.scoping` (1), :mod:`.expectations` (2), :mod:`.assessment` (3), :mod:`.metrics` (4)
and :mod:`.monitoring` (5), each importing only earlier ones; :mod:`.brief` on top.
"""
