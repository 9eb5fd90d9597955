"""App-wide flask commands: users, demo data, translations."""
import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from .errors import ValidationFailed
from .extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True,
              type=click.Choice(["bureau", "admin", "institute", "enterprise", "broker"]))
@click.option("--email", default=None)
@click.option("--organization-id", type=int, default=None)
def create_user_command(username, password, role, email, organization_id):
    """Create an account; bureau and admin accounts are only ever made this way."""
    from .accounts.services import create_user

    try:
        user = create_user(username, password, role, email, organization_id)
    except ValidationFailed as exc:
        for field, messages in exc.fields.items():
            for message in messages:
                click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Created {user.role} user {user.username} (id {user.id}).")


@click.command("seed-demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Load even if the database already has users.")
def seed_demo_command(force):
    """Load the demonstration data once (officers, organisations, users of every role)."""
    from .accounts.models import User
    from .demo import DEMO_PASSWORD, load_demo

    if not force and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("Demo data not loaded: the database already has users.")
        return
    accounts = load_demo()
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for username, role, org in accounts:
        click.echo(f"  {username:<14} {role:<10} {org or ''}")


market_cli = AppGroup("market", help="The market's timed work.")


@market_cli.command("tick")
def tick_command():
    """Run the timed jobs (listings' periods, reminders), then bring the search index up to
    date with what they changed (a listing that expired leaves the index)."""
    from .market import tick
    from .search.indexer import sync

    for name, count in tick().items():
        click.echo(f"{name}: {count}")
    sync(wait=30)


def register(app):
    from .search.cli import search_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(search_cli)
    app.cli.add_command(market_cli)
    from .backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
