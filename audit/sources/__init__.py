"""Collectors: each turns one kind of source into :class:`audit.facts.Facts`."""
