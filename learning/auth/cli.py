"""Account commands: `flask --app learning create-admin`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from learning import db
from learning.auth import queries, services
from learning.auth.models import Role
from learning.auth.services import MIN_PASSWORD_LENGTH
from learning.errors import DomainError
from learning.text import InvalidPhone, normalise_phone


def _phone(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        return normalise_phone(value)
    except InvalidPhone:
        raise click.BadParameter(f"{value!r} is not a Vietnamese phone number.") from None


def _password(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"use at least {MIN_PASSWORD_LENGTH} characters.")
    return value


@click.command("create-admin")
@click.option("--name", "full_name", required=True, help="Full name, e.g. 'Nguyễn Văn An'.")
@click.option("--phone", required=True, callback=_phone, help="Phone number used to log in.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    callback=_password,
    help="Asked for when not given.",
)
@with_appcontext
def create_admin(full_name: str, phone: str, password: str) -> None:
    """Create an administrator account."""
    if queries.find_user_by_login(db.session, phone) is not None:
        raise click.ClickException(f"an account with phone {phone} already exists.")
    try:
        user = services.create_user(
            db.session, full_name=full_name, phone=phone, password=password, role=Role.ADMIN
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Administrator {user.full_name} created; log in with {phone}.")
