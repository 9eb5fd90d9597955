"""API: engagements (API.md; routes register on import)."""
