"""Timed work of the market (`flask market tick`, run by cron): each capability registers the
jobs that move its records when their times pass, and `tick()` runs them all."""
JOBS = []  # (name, callable returning how many records it touched)


def register_job(name, job):
    JOBS.append((name, job))


def tick():
    """Run every job once; returns {name: count}."""
    return {name: job() for name, job in JOBS}
