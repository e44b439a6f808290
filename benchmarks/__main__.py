"""``python -m benchmarks [CASE...]``: run benchmark cases, print one JSON object per line."""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DO_NOT_TRACK", "1")

from . import all_cases  # noqa: E402


def main(argv: list[str]) -> int:
    cases = all_cases()
    if argv and argv[0] in {"-h", "--help", "--list"}:
        print("cases:", " ".join(cases))
        return 0
    unknown = [a for a in argv if a not in cases]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(cases)}", file=sys.stderr)
        return 2
    for name in argv or list(cases):
        row = cases[name]()
        out = {"case": name, "n": int(row.pop("n")), "ours_s": float(row.pop("ours_s")),
               "baseline": str(row.pop("baseline")), "baseline_s": float(row.pop("baseline_s"))}
        out["ratio"] = out["baseline_s"] / out["ours_s"] if out["ours_s"] > 0 else float("inf")
        out.update(row)
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
