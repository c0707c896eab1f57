"""Flask commands: create-user, seed-demo, results verify, files sweep, audit verify."""
from __future__ import annotations

import click
from flask import Flask

from contest.extensions import db
from contest.models import Role, Season


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(results_group)
    app.cli.add_command(files_group)
    app.cli.add_command(audit_group)


@click.command("create-user")
@click.option("--role", type=click.Choice(["organizer", "admin"]), required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.password_option(help="Asked for when not given.")
def create_user(role: str, email: str, full_name: str, password: str) -> None:
    """Create a staff account (judges are invited from the organizer pages)."""
    from contest.services.accounts import AccountError, create_staff
    from contest.services.audit import acting_as

    if len(password) < 8:
        raise click.UsageError("the password needs at least 8 characters")

    try:
        with acting_as("cli"):
            user = create_staff(email=email, full_name=full_name, role=Role(role), password=password)
    except AccountError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(f"Created {role} {user.email}")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when a season already exists.")
@click.option("--entries", default=300, show_default=True)
def seed_demo(if_empty: bool, entries: int) -> None:
    """Load a believable demo season and print the demo logins."""
    from contest.services.demo import DEMO_PASSWORD, build_demo_season

    if db.session.scalar(db.select(Season.id).limit(1)) is not None:
        if if_empty:
            click.echo("A season exists already; demo data not loaded.")
            return
        raise click.UsageError("the database already holds a season; use an empty database")
    from contest.services.audit import acting_as

    with acting_as("cli"):
        logins = build_demo_season(entries=entries)
    db.session.commit()
    click.echo("Demo season loaded. Logins (password for all: %s):" % DEMO_PASSWORD)
    for role, email in logins:
        click.echo(f"  {role:<12} {email}")


@click.group("results")
def results_group() -> None:
    """Published rankings."""


@results_group.command("verify")
@click.argument("year", type=int)
def verify_results(year: int) -> None:
    """Recompute every published ranking of SEASON (its year) from the stored scores."""
    from contest.services.result_verification import verify

    season = db.session.scalar(db.select(Season).where(Season.year == year))
    if season is None:
        raise click.UsageError(f"no season {year}")
    checked, differences = verify(season)
    for difference in differences:
        click.echo(f"DIFFERENCE {difference.contest} v{difference.version}: {difference.message}")
    click.echo(f"{checked} published rankings checked, {len(differences)} differences")
    if differences:
        raise SystemExit(1)


@click.group("files")
def files_group() -> None:
    """Entry files on disk."""


@files_group.command("sweep")
@click.option("--older-than", "minutes", type=click.IntRange(min=0), default=60, show_default=True,
              help="Minutes since a file was written: younger files may belong to an upload still committing.")
@click.option("--dry-run", is_flag=True, help="List the files without deleting them.")
def sweep_files(minutes: int, dry_run: bool) -> None:
    """Delete uploaded files that no attachment refers to (left by a worker killed mid-upload)."""
    from datetime import timedelta

    from contest.services.attachments import unreferenced_files

    found = unreferenced_files(timedelta(minutes=minutes))
    for path in found:
        if not dry_run:
            path.unlink(missing_ok=True)
        click.echo(f"{'unreferenced' if dry_run else 'deleted'} {path.name}")
    click.echo(f"{len(found)} unreferenced files {'found' if dry_run else 'deleted'}")


@click.group("audit")
def audit_group() -> None:
    """The hash-chained log of changes made by organizers and judges."""


@audit_group.command("verify")
def verify_audit() -> None:
    """Recompute the audit chain; name the first edited, deleted or reordered event."""
    from contest.services.audit import verify

    found = verify()
    if found.problem:
        click.echo(f"BROKEN at seq {found.problem.seq} ({found.problem.kind}): {found.problem.message}")
        click.echo(f"{found.checked} events before it are intact")
        raise SystemExit(1)
    # The last hash, noted somewhere else, shows later whether events were cut off the end.
    click.echo(f"{found.checked} events checked, the chain is intact; last hash {found.last_hash}")
