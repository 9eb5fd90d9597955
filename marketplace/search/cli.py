"""`flask search sync|rebuild|check`: the index from the command line."""
import time

import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("sync")
@click.option("--follow", is_flag=True, help="Keep syncing until interrupted (one per host; "
              "not needed while the app's own follower runs, SEARCH_FOLLOW_SECONDS > 0).")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between syncs.")
def sync_command(follow, interval):
    """Apply the search outbox to the index (rebuilding a missing or broken index)."""
    from .indexer import sync

    while True:
        applied = sync(wait=0 if follow else 30)
        if applied is None and not follow:
            raise click.ClickException("Another process holds the index lock.")
        if applied or not follow:
            click.echo(f"Applied {applied or 0} outbox rows.")
        if not follow:
            return
        time.sleep(interval)


@search_cli.command("rebuild")
@click.option("--batch", default=1000, show_default=True, help="Records read per query.")
@click.option("--procs", type=int, default=None, help="Indexing processes (default: one per "
              "core).")
@click.option("--limitmb", default=512, show_default=True,
              help="Memory for the index writer, per process, in MB.")
def rebuild_command(batch, procs, limitmb):
    """Build a new index from the database, then switch searches to it."""
    from .indexer import public_count, rebuild

    started = time.monotonic()
    total = public_count()
    with click.progressbar(length=total, label="Indexing", show_pos=True) as bar:
        rebuild(progress=bar.update, batch=batch, procs=procs, limitmb=limitmb)
    seconds = time.monotonic() - started
    click.echo(f"Indexed {total} public records in {seconds:.1f} s.")


@search_cli.command("check")
def check_command():
    """Report records missing from the index, indexed in an older version, or indexed but
    no longer public; exits with status 1 when there is any."""
    from .indexer import check

    report = check()
    for name, label in (("missing", "Missing from the index"),
                        ("stale", "Stale in the index"),
                        ("extra", "In the index but not public")):
        keys = report[name]
        click.echo(f"{label}: {len(keys)}")
        for key in keys[:50]:
            click.echo(f"  {key}")
        if len(keys) > 50:
            click.echo(f"  … and {len(keys) - 50} more")
    if any(report.values()):
        raise SystemExit(1)
