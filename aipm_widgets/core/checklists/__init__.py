"""The shipped checklist definitions (one YAML file each) and their loader.

Each ``<key>.yaml`` holds ``key``, ``title``, ``description``, ``version``, ``sources`` and ``items``
(each with ``id``, ``category``, ``text``, ``help`` and ``required``). The texts are written for this
workbook, informed by the PAIR People + AI Guidebook, Datasheets for Datasets (Gebru et al.), the
Guidelines for Human-AI Interaction (Amershi et al., HAX) and the ML Test Score rubric (Breck et al.).
Bump ``version`` when items change; records saved against an older version still load
(see :func:`aipm_widgets.core.checklists.checklist.merge_state`).

Examples
--------
>>> from aipm_widgets.core.checklists import available_checklists
>>> available_checklists()
['datasheet', 'ethics', 'launch_readiness', 'stakeholder_expectations', 'use_case_scoping']
"""

from .checklist import CHECKLIST_DIR, available_checklists, load_checklist

__all__ = ["CHECKLIST_DIR", "available_checklists", "load_checklist"]
