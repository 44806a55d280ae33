"""Reviewing mentions: decisions, spans, linking, teaching, candidates and re-matching."""
