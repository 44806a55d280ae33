"""Readers and writers of interchange formats, one module per format."""
