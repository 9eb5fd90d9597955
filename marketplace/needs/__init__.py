"""技术需求: enterprises' technology needs, the responses to them, and matching (SPEC.md §3)."""
