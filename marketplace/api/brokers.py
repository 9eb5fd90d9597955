"""API: brokers (API.md; routes register on import)."""
