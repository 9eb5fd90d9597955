"""信用体系: the documented events a credit score is computed from (SPEC.md §6)."""
