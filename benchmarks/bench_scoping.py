"""Scoping and checklists: how long a slider move and a checklist save take.

* ``scoping_compare``: re-ranking the demo's five candidates with 2,000 +/-1 re-scorings each (what a
  score slider triggers) against the straightforward loop that calls ``verdict_for`` once per
  re-scoring (ours evaluates the rules vectorised). Same draws, same answer (checked); the baseline
  computes only the verdict stability, ours also the composite percentiles and the ranked-first shares.
* ``checklist_save_reload``: saving the 15-item ethics checklist into a record and reading it back,
  against ``yaml.safe_dump`` + ``safe_load`` of the same state alone (the floor any YAML record has to pay).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from . import best_of


def _compare_case() -> dict:
    from aipm_widgets.core import demo
    from aipm_widgets.core.scoping.use_cases import CRITERION_KEYS, Candidate, compare, verdict_for

    cands = [Candidate.from_dict(c) for c in demo.load_candidates()]
    n_draws = 2000

    def ours():
        return compare(cands, n_draws=n_draws)

    def naive():
        out = []
        for i, c in enumerate(cands):
            base = np.array([c.scores[k] for k in CRITERION_KEYS])
            draws = np.clip(base + np.random.default_rng(i).integers(-1, 2, size=(n_draws, len(CRITERION_KEYS))), 1, 5)
            keys = [verdict_for(dict(zip(CRITERION_KEYS, map(int, row))), value_low=c.value_low,
                                value_high=c.value_high).key for row in draws]
            out.append(keys.count(verdict_for(c.scores, value_low=c.value_low, value_high=c.value_high).key) / n_draws)
        return out

    stab_ours = {a.candidate.id: a.stability for a in ours().ranked}
    stab_naive = dict(zip((c.id for c in cands), naive()))
    assert all(abs(stab_ours[k] - stab_naive[k]) < 1e-12 for k in stab_ours), "ours and the naive loop disagree"
    return {
        "n": len(cands) * n_draws,
        "ours_s": best_of(ours, repeat=5),
        "baseline": "verdict_for called per re-scoring (stability only)",
        "baseline_s": best_of(naive, repeat=3),
    }


def _checklist_case() -> dict:
    import yaml

    from aipm_widgets.core.checklists.checklist import ChecklistResult, load_checklist_state, save_checklist_state

    tmp = Path(tempfile.mkdtemp())
    rec = tmp / "decision_record.yaml"
    r = ChecklistResult("ethics")
    for i, item in enumerate(r.definition.items):
        r.set_item(item.id, state=("done", "blocked", "not_applicable", "todo")[i % 4], owner="Ana", note="x" * 200)

    def ours():
        save_checklist_state(rec, "ethics", "ethics", r, who="bench")
        return load_checklist_state(rec, "ethics", "ethics")

    data = r.to_state().model_dump(mode="json")

    def floor():
        return yaml.safe_load(yaml.safe_dump(data, sort_keys=False))

    ours()
    return {"n": len(r.definition.items), "ours_s": best_of(ours, repeat=5),
            "baseline": "yaml dump+load of the checklist state alone", "baseline_s": best_of(floor, repeat=5)}


CASES = {"scoping_compare": _compare_case, "checklist_save_reload": _checklist_case}
# The CI smoke run (python -m benchmarks --quick): a reduced set on small sizes.
QUICK = ["scoping_compare"]
