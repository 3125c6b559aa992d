"""Commands for buyer organisations: `einvoice organisations create|list|set`.

The same rules as POST/PUT /v1/organisations (the body is built and checked by the same model).
"""

from __future__ import annotations

import json
import uuid

import typer

from service.cli.common import fail, session_scope

organisations_app = typer.Typer(help="Buyer organisations the instance serves.", no_args_is_help=True)

_IDENTIFIER_HELP = ("SCHEME:VALUE, repeatable: 0190:<OIN>, 0106:<KvK>, 0088:<GLN>, another four-digit "
                    "ICD/EAS scheme, or a Peppol participant id iso6523-actorid-upis::0190:<OIN>.")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `einvoice` app."""
    app.add_typer(organisations_app, name="organisations")


def _body(name: str, identifiers: list[str]):
    from pydantic import ValidationError

    from service.organisations.directory import split_participant
    from service.organisations.payloads import OrganisationIn

    idents = []
    for text in identifiers:
        parts = split_participant(text)
        if parts is None:
            raise fail(f"--identifier must be SCHEME:VALUE with a four-digit scheme (e.g. 0190:...), got {text!r}", 2)
        idents.append({"scheme": parts[0], "value": parts[1]})
    try:
        return OrganisationIn(name=name, identifiers=idents)
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise fail(problems, 2) from None


def _print(out, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(out.model_dump(mode="json"), indent=2))
        return
    idents = " ".join(f"{i.scheme}:{i.value}" for i in out.identifiers) or "-"
    flags = " (default, takes every buyer)" if out.takes_every_buyer else " (default)" if out.default else ""
    typer.echo(f"{out.id}  {out.name}{flags}  {idents}")


@organisations_app.command("create")
def create(
    name: str = typer.Argument(..., help="The organisation's name, e.g. 'Gemeente Voorbeeld'."),
    identifier: list[str] = typer.Option([], "--identifier", help=_IDENTIFIER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the organisation as JSON."),
) -> None:
    """Add a buyer organisation; its invoices are those whose buyer (BT-49, else BT-47) is one of its identifiers."""
    from service.errors import ServiceError
    from service.organisations.store import create_organisation, ensure_default, identifiers_of, organisation_out

    body = _body(name, identifier)
    try:
        with session_scope() as session:
            default_id = ensure_default(session)
            unset_default = not identifiers_of(session, default_id)
            org = create_organisation(session, body)
            out = organisation_out(session, org)
    except ServiceError as exc:
        raise fail(exc.detail or exc.title) from None
    _print(out, as_json)
    if unset_default and body.identifiers:
        typer.echo("warning: the default organisation has no identifiers, so from now on it receives no invoices; "
                   f"give it its own with `einvoice organisations set {default_id} --identifier ...`", err=True)


@organisations_app.command("set")
def set_(
    organisation: str = typer.Argument(..., help="The organisation's id."),
    identifier: list[str] = typer.Option([], "--identifier", help=_IDENTIFIER_HELP + " Replaces all."),
    name: str = typer.Option(None, "--name", help="A new name (default: unchanged)."),
    as_json: bool = typer.Option(False, "--json", help="Print the organisation as JSON."),
) -> None:
    """Replace an organisation's identifiers (and, with --name, its name)."""
    from service.errors import ServiceError
    from service.organisations.store import get_organisation, organisation_out, replace_organisation

    try:
        organisation_id = uuid.UUID(organisation)
    except ValueError:
        raise fail(f"ORGANISATION must be an organisation id (UUID), got {organisation!r}", 2) from None
    try:
        with session_scope() as session:
            current = get_organisation(session, organisation_id)
            body = _body(name or current.name, identifier)
            out = organisation_out(session, replace_organisation(session, organisation_id, body))
    except ServiceError as exc:
        raise fail(exc.detail or exc.title) from None
    _print(out, as_json)


@organisations_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the organisations with their identifiers."""
    from service.organisations.store import any_identifiers, list_organisations, organisation_out

    with session_scope() as session:
        configured = any_identifiers(session)
        outs = [organisation_out(session, o, configured=configured) for o in list_organisations(session)]
    if as_json:
        typer.echo(json.dumps([o.model_dump(mode="json") for o in outs], indent=2))
        return
    for out in outs:
        _print(out, False)
