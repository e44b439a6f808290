"""Stage 2 widgets: the expectations one-pager and the fairness audit."""
