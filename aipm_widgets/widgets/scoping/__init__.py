"""Stage 1 widgets: the scoping canvas."""
