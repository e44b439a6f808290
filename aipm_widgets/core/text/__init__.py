"""Words: how numbers are written (format) and what technical terms mean (glossary)."""
