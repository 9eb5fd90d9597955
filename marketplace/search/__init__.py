"""Search: the outbox that keeps the index in step with the database (index in a later issue)."""
