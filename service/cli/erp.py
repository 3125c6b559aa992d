"""Commands of the ERP integration area: `einvoice worker` and `einvoice webhooks ...`."""

from __future__ import annotations

import json
import signal
import threading
import uuid

import typer

from service.cli.common import ORGANISATION_HELP, connect, fail, load_settings, resolve_organisation, session_scope

webhooks_app = typer.Typer(help="Webhook subscriptions and deliveries.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the `einvoice` app."""
    app.command("worker")(worker)
    app.add_typer(webhooks_app, name="webhooks")


def worker(
    once: bool = typer.Option(False, "--once", help="Send what is due now, then exit."),
) -> None:
    """Run the webhook dispatcher alone (set EINVOICE_WEBHOOK_DISPATCHER_IN_SERVE=false on the servers)."""
    from service.erp.dispatcher import Dispatcher
    from service.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    engine = connect(settings)
    dispatcher = Dispatcher(engine, settings)
    try:
        if once:
            total = 0
            while (n := dispatcher.run_once()) > 0:
                total += n
            typer.echo(f"sent {total} deliveries", err=True)
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        typer.echo(f"webhook dispatcher {dispatcher.worker_id} running; Ctrl-C stops it", err=True)
        dispatcher.run_forever(stop)
    finally:
        dispatcher.close()
        engine.dispose()


@webhooks_app.command("list")
def webhooks_list(as_json: bool = typer.Option(False, "--json", help="Print JSON."),
                  organisation: str = typer.Option(None, "--organisation",
                                                   help="Only this organisation's subscriptions (default: all).")
                  ) -> None:
    """List subscriptions with their delivery counts per state."""
    from sqlalchemy import func
    from sqlmodel import select

    from service.erp import webhooks as wh
    from service.models.erp import WebhookDelivery

    only = resolve_organisation(organisation) if organisation is not None else None
    with session_scope() as session:
        out = []
        for sub in wh.list_subscriptions(session, only):
            counts = dict(session.exec(
                select(WebhookDelivery.status, func.count()).where(WebhookDelivery.subscription_id == sub.id)
                .group_by(WebhookDelivery.status)).all())
            out.append({"id": str(sub.id), "url": sub.url, "event_types": sub.event_types, "active": sub.active,
                        "organisation_id": str(sub.organisation_id) if sub.organisation_id else None,
                        "deliveries": {k.value if hasattr(k, "value") else k: v for k, v in counts.items()}})
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    for s in out:
        tally = " ".join(f"{k}={v}" for k, v in sorted(s["deliveries"].items())) or "no deliveries"
        typer.echo(f"{s['id']}  {'active  ' if s['active'] else 'inactive'}  {s['url']}  "
                   f"[{', '.join(s['event_types'])}]  {tally}")


@webhooks_app.command("add")
def webhooks_add(
    url: str = typer.Argument(..., help="Endpoint URL (http or https)."),
    event: list[str] = typer.Option(["*"], "--event", help="Event type, e.g. invoice.approved (repeatable); * = all."),
    description: str = typer.Option("", "--description"),
    organisation: str = typer.Option(None, "--organisation", help="Whose invoices' events it receives. " + ORGANISATION_HELP),
    all_organisations: bool = typer.Option(False, "--all-organisations",
                                           help="Receive every organisation's events (a shared service centre's)."),
) -> None:
    """Create a subscription and print its signing secret once on stdout."""
    from service.erp import webhooks as wh

    if not url.startswith(("http://", "https://")):
        raise fail("the URL must start with http:// or https://", 2)
    unknown = [e for e in event if e != wh.ALL_EVENTS and e not in wh.EVENT_TYPES]
    if unknown:
        raise fail(f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(wh.EVENT_TYPES)} or *", 2)
    from service.config import get_settings
    from service.erp.targets import parse_networks, url_problem

    problem = url_problem(url, parse_networks(get_settings().webhook_allowed_networks))
    if problem:
        raise fail(problem, 2)
    if all_organisations and organisation is not None:
        raise fail("give --organisation or --all-organisations, not both", 2)
    organisation_id = None if all_organisations else resolve_organisation(organisation)
    with session_scope() as session:
        sub = wh.create_subscription(session, url=url, event_types=sorted(set(event)), secret=None,
                                     description=description, active=True, actor="cli",
                                     organisation_id=organisation_id)
        sub_id, secret = sub.id, sub.secret
    typer.echo(secret)
    typer.echo(f"created webhook {sub_id}; store the secret now, it is not shown again", err=True)


@webhooks_app.command("replay")
def webhooks_replay(
    subscription: str = typer.Argument(..., help="Subscription id."),
    delivery: str = typer.Option(None, "--delivery", help="Only this delivery id (default: every dead one)."),
) -> None:
    """Queue dead deliveries (or one delivery) again."""
    from service.errors import ServiceError
    from service.erp import webhooks as wh
    from service.models.erp import DeliveryStatus

    try:
        sub_id = uuid.UUID(subscription)
        delivery_id = uuid.UUID(delivery) if delivery else None
    except ValueError:
        raise fail("ids are UUIDs", 2) from None
    with session_scope() as session:
        try:
            wh.get_subscription(session, sub_id)
            if delivery_id:
                wh.replay(session, wh.get_delivery(session, sub_id, delivery_id))
                n = 1
            else:
                n = wh.replay_all(session, sub_id, DeliveryStatus.dead)
        except ServiceError as exc:
            raise fail(str(exc), 1) from None
    typer.echo(f"queued {n} deliveries again", err=True)
