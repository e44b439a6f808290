"""``python -m benchmarks [--quick] [--list] [CASE...]``: run benchmark cases, print one JSON object per line.

Every case runs in a fresh interpreter, one after the other (never two at once: they would time each other).
``--quick`` runs the reduced CI smoke set on small sizes; it checks only that each case completes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

os.environ.setdefault("DO_NOT_TRACK", "1")


def _run_one(name: str) -> int:
    from . import all_cases

    row = all_cases()[name]()
    out = {"case": name, "n": int(row.pop("n")), "ours_s": float(row.pop("ours_s")),
           "baseline": str(row.pop("baseline")), "baseline_s": float(row.pop("baseline_s"))}
    out["ratio"] = out["baseline_s"] / out["ours_s"] if out["ours_s"] > 0 else float("inf")
    out.update(row)
    print(json.dumps(out), flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        return _run_one(argv[1])
    quick = "--quick" in argv
    argv = [a for a in argv if a != "--quick"]
    if quick:
        os.environ["AIPM_BENCH_QUICK"] = "1"
    from . import all_cases

    cases = all_cases(quick=quick)
    if argv and argv[0] in {"-h", "--help", "--list"}:
        print("cases:", " ".join(cases))
        return 0
    unknown = [a for a in argv if a not in all_cases()]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(all_cases())}", file=sys.stderr)
        return 2
    failed = 0
    for name in argv or list(cases):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "benchmarks", "--one", name], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=os.environ.copy())
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode == 0 and lines:
            print(lines[-1], flush=True)
            continue
        failed += 1
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        print(json.dumps({"case": name, "error": tail[:500], "exit_code": proc.returncode,
                          "seconds": round(time.perf_counter() - t0, 1)}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
