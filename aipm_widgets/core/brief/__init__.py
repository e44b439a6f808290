"""The brief: the decision record as one document for stakeholders (HTML, Markdown, JSON)."""
