"""Site administration: users and roles, settings, the working-day calendar."""
