"""Accounts: users, organisations, roles, login, registration and profiles."""
