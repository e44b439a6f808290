"""Statistics shared by every stage: intervals for rates and the rates of a confusion matrix."""
