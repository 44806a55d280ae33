"""One undo history for everything a reviewer changes, built on the audit log."""
