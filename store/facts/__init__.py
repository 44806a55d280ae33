"""Facts: the repository of relations and events, their candidates and trigger words."""
