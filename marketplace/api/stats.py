"""API: stats (API.md; routes register on import)."""
