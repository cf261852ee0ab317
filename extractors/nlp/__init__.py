"""NLP extraction from reports and press releases."""
