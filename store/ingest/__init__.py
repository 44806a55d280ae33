"""The one path that stores articles, plain or annotated: dedupe, batches, problems."""
