"""Commands of the matching area: `einvoice matching policy|replay|rematch`.

The labelled corpus is test data and lives in bench/ (`python -m bench.matching_corpus DIR`)."""

from __future__ import annotations

import json
import uuid

import typer

from service.cli.common import fail, resolve_organisation, session_scope

matching_app = typer.Typer(help="Matching: policy, decisions, re-matching.",
                           no_args_is_help=True)
policy_app = typer.Typer(help="The matching policy: the global one (the instance default) or an organisation's own "
                              "(every change is a new version).", no_args_is_help=True)

_POLICY_ORGANISATION_HELP = ("Organisation id: its own policy, which its invoices use in place of the global one. "
                             "Without it: the global policy (the instance default; on a one-organisation instance "
                             "the same thing).")
matching_app.add_typer(policy_app, name="policy")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `einvoice` app."""
    app.add_typer(matching_app, name="matching")


@policy_app.command("show")
def policy_show(organisation: str = typer.Option(None, "--organisation", help=_POLICY_ORGANISATION_HELP)) -> None:
    """Print the policy in force (the organisation's own, else the global one) and its version as JSON."""
    from service.api.decisions import _policy_out
    from service.decisions.policy import latest_version, organisation_policy

    org = resolve_organisation(organisation) if organisation is not None else None
    with session_scope() as session:
        own = organisation_policy(session, org) if org is not None else None
        out = _policy_out(own or latest_version(session))
    typer.echo(json.dumps(out.model_dump(mode="json"), indent=2))


@policy_app.command("set")
def policy_set(
    price_over_pct: str = typer.Option(None, help="Unit price may exceed the order's by this %."),
    price_under_pct: str = typer.Option(None, help="Unit price may be lower by at most this %."),
    quantity_over_pct: str = typer.Option(None, help="Cumulative quantity tolerance in %."),
    total_abs: str = typer.Option(None, help="BT-112 tolerance against the recomputed total."),
    charge_abs: str = typer.Option(None, help="Document charges not on the order pass up to this sum."),
    receipt_mode: str = typer.Option(None, help="line | two_way | three_way."),
    actor: str = typer.Option("cli", help="Recorded as the author of the new version."),
    organisation: str = typer.Option(None, "--organisation", help=_POLICY_ORGANISATION_HELP),
) -> None:
    """Store a new version of the global policy, or of an organisation's own (unset options keep their current
    value; an organisation's first version starts from the global policy)."""
    from pydantic import ValidationError

    from service.api.decisions import PolicySettings
    from service.decisions.policy import latest_version, organisation_policy, set_global_policy
    from service.models.matching import GLOBAL_POLICY_SCOPE, organisation_policy_scope

    given = {k: v for k, v in dict(price_over_pct=price_over_pct, price_under_pct=price_under_pct,
                                   quantity_over_pct=quantity_over_pct, total_abs=total_abs, charge_abs=charge_abs,
                                   receipt_mode=receipt_mode).items() if v is not None}
    if not given:
        raise fail("give at least one setting, e.g. --price-over-pct 3", 2)
    org = resolve_organisation(organisation) if organisation is not None else None
    with session_scope() as session:
        latest = (organisation_policy(session, org) if org is not None else None) or latest_version(session)
        merged = {**(latest.settings if latest else {}), **given}
        try:
            settings = PolicySettings(**merged).model_dump(mode="json", exclude_none=True)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise fail(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", 2) from None
        scope = organisation_policy_scope(org) if org is not None else GLOBAL_POLICY_SCOPE
        row = set_global_policy(session, settings, actor=f"user:{actor}", scope=scope)
        name = f"organisation {org}" if org is not None else "global"
        typer.echo(f"{name} policy version {row.version}: {json.dumps(row.settings)}")


@matching_app.command("replay")
def replay(invoice_id: str = typer.Argument(..., help="Invoice id (UUID).")) -> None:
    """Recompute an invoice's latest decision from its stored inputs; exit 1 when it differs."""
    from service.api.decisions import ReplayOut
    from service.decisions import latest_decision
    from service.decisions.replay import replay as replay_decision

    try:
        key = uuid.UUID(invoice_id)
    except ValueError:
        raise fail(f"not an invoice id: {invoice_id}", 2) from None
    with session_scope() as session:
        row = latest_decision(session, key)
        if row is None:
            raise fail(f"invoice {invoice_id} has no matching decision")
        out = ReplayOut.from_replay(replay_decision(row))
    typer.echo(json.dumps(out.model_dump(mode="json"), indent=2))
    if not out.identical:
        raise typer.Exit(1)


@matching_app.command("rematch")
def rematch(po_number: str = typer.Argument(..., help="Purchase order number (BT-13).")) -> None:
    """Evaluate the invoices under review for an order again (as after a new receipt)."""
    from service.decisions import rematch_order

    with session_scope() as session:
        approved = rematch_order(session, po_number)
    typer.echo(f"{len(approved)} invoice(s) approved by re-match" + "".join(f"\n  {i}" for i in approved))
