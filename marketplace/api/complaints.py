"""API: complaints (API.md; routes register on import)."""
