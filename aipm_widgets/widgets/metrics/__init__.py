"""Stage 4 widgets: the threshold explorer, candidates and own-predictions panels."""
