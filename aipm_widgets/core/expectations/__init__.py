"""Stage 2, expectations and ethics: what the model can and cannot do, and fairness across groups."""
