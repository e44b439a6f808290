"""Stage 3 widgets: the data assessment, learning curve and representativeness views."""
