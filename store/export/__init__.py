"""Gold-standard exports and imports of annotated data (issue 7)."""
