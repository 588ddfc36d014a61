"""placeholder while the handler is written."""
