"""Market statistics and plan monitoring (SPEC.md §7)."""
