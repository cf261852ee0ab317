"""critmin extractors: structured feeds and NLP."""
