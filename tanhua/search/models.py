"""Search keeps no table of its own yet: the quick find in the top bar reads the registry
through its scoped querysets. The full-text index (DESIGN §8) will live here."""
