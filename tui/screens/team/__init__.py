"""Team screens: agreement between reviewers (and adjudication of their disagreements)."""
