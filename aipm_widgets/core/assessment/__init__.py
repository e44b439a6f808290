"""Stage 3, data assessment: enough labels, representative, missing values, wrong labels, drift."""
