"""The words of a data assessment's verdict: an issue's severities and the readiness they add up to.

Plain data, no pandas: the stage-3 dashboard shows its controls (the severity filter, the readiness card's wording)
before the checks (``checks``, ``report``, which need pandas) are imported.
"""

from __future__ import annotations

__all__ = ["SEVERITIES", "READINESS"]

SEVERITIES = ("blocker", "warning", "info")

READINESS = {
    "not ready": "At least one blocker: fix it (or consciously waive it, with a reason) before building the model.",
    "ready with warnings": "No blocker; warnings remain to fix or accept with a note.",
    "ready": "No blocker and no warning.",
}
