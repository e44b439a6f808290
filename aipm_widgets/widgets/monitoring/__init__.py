"""Stage 5 widgets: the drift monitor and own-monitoring panel."""
