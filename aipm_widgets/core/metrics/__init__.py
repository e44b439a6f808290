"""Stage 4, metric selection: threshold trade-offs tied to business cost, baselines, candidates."""
