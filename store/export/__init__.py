"""The export pipeline: selection, document model, atomic write with a manifest, parallel parts."""
