"""API: credit (API.md; routes register on import)."""
