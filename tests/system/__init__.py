"""Tests that run real servers in subprocesses: faults, scale-out, API fuzzing, backups."""
