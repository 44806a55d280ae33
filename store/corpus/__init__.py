"""The corpus: articles, their full-text search, statistics and sentences."""
