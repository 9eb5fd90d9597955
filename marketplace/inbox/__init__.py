"""The in-site inbox: notifications to each user of what concerns them (and email when set)."""
