"""The gazetteer: entities and aliases, their search, detail, merge, lint and files."""
