"""The arithmetic of each kind of model beyond yes/no (multiclass routing, regression forecasts) and the constraint language, shared by every stage that needs them."""
