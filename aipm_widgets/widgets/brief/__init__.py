"""The brief's preview panel and its charts."""
