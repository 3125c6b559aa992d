"""Core commands: serve, migrate, keys."""

from __future__ import annotations

import json
import uuid

import typer

from service.cli.common import connect, fail, load_settings, session_scope
from service.models.keys import Role

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("migrate")(migrate)
    app.add_typer(keys_app, name="keys")


def serve(
    host: str = typer.Option(None, help="Bind address (default: EINVOICE_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default: EINVOICE_PORT or 8000)."),
    workers: int = typer.Option(None, help="Server processes (default: EINVOICE_WORKERS or 1)."),
) -> None:
    """Run the HTTP service (uvicorn)."""
    import uvicorn

    from service.logging import configure_logging

    if port is not None and not 1 <= port <= 65535:
        raise fail(f"--port must be between 1 and 65535, got {port}", 2)
    if workers is not None and workers < 1:
        raise fail(f"--workers must be at least 1, got {workers}", 2)
    settings = load_settings()
    connect(settings).dispose()  # reachable, and the schema is this version's
    configure_logging(settings.log_level, settings.log_json)
    uvicorn.run(
        "service.main:build_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_config=None,
        proxy_headers=True,
        # uvicorn restarts a worker that does not answer its supervisor's ping within this time; a
        # worker loading the validation engine on a busy host takes longer than the default 5 s, and
        # was then killed and restarted over and over (never ready)
        timeout_worker_healthcheck=60,
    )


def migrate() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    from service.migrations import upgrade

    settings = load_settings()
    connect(settings, require_schema=False).dispose()
    upgrade(settings.database_url)
    typer.echo("database schema is up to date", err=True)


@keys_app.command("create")
def keys_create(
    role: Role = typer.Option(..., "--role", help="supplier, gateway, erp, reviewer or admin."),
    supplier: str = typer.Option(None, "--supplier", help="Supplier id (required for role supplier)."),
    name: str = typer.Option("", "--name", help="Who or what uses the key."),
    organisation: str = typer.Option(None, "--organisation", help=(
        "Organisation id whose data the key sees. Needed only for erp and reviewer keys on an instance with "
        "several organisations; a supplier key gets its supplier's; admin and gateway keys without it see all.")),
    owner: str = typer.Option(None, "--owner", help=(
        "Staff username (or id) whose own key this is: four eyes then treat the key and that person's workspace "
        "account as one person.")),
) -> None:
    """Create a key and print it once on stdout (nothing else is printed there)."""
    from service.keys import create_key
    from service.organisations.store import OrganisationNotFound

    organisation_id = None
    if organisation is not None:
        try:
            organisation_id = uuid.UUID(organisation)
        except ValueError:
            raise fail(f"--organisation must be an organisation id (UUID), got {organisation!r}", 2) from None
    supplier_id = None
    if supplier is not None:
        try:
            supplier_id = uuid.UUID(supplier)
        except ValueError:
            raise fail(f"--supplier must be a supplier id (UUID), got {supplier!r}", 2) from None
    with session_scope() as session:
        if supplier_id is not None:
            _require_supplier(session, supplier_id)
        try:
            row, clear = create_key(session, role=role, supplier_id=supplier_id, name=name,
                                    organisation_id=organisation_id, owner=owner)
        except OrganisationNotFound as exc:
            raise fail(str(exc), 2) from None
        except ValueError as exc:
            raise fail(str(exc), 2) from None
    typer.echo(clear)
    typer.echo(f"created {row.role.value} key {row.prefix} ({row.id}); store it now, it is not shown again",
               err=True)


def _require_supplier(session, supplier_id: uuid.UUID) -> None:
    from service.models import masterdata

    supplier_cls = getattr(masterdata, "Supplier", None)
    if supplier_cls is not None and session.get(supplier_cls, supplier_id) is None:
        raise fail(f"no supplier {supplier_id}", 2)


@keys_app.command("list")
def keys_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List keys (never their secrets)."""
    from service.keys import list_keys

    with session_scope() as session:
        rows = list_keys(session)
        out = [
            {"id": str(k.id), "prefix": k.prefix, "role": k.role.value, "name": k.name,
             "supplier_id": str(k.supplier_id) if k.supplier_id else None,
             "organisation_id": str(k.organisation_id) if k.organisation_id else None,
             "owner_id": str(k.owner_id) if k.owner_id else None,
             "created_at": k.created_at.isoformat(),
             "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None}
            for k in rows
        ]
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    for k in out:
        state = "revoked" if k["revoked_at"] else "active"
        typer.echo(f"{k['prefix']:<14} {k['role']:<9} {state:<8} {k['name'] or '-':<24} {k['id']}")


@keys_app.command("revoke")
def keys_revoke(key: str = typer.Argument(..., help="Key id or prefix.")) -> None:
    """Revoke a key; it stops working at once."""
    from service.errors import NotFound
    from service.keys import revoke_key

    with session_scope() as session:
        try:
            row = revoke_key(session, key)
        except NotFound as exc:
            raise fail(str(exc), 1) from None
    typer.echo(f"revoked {row.prefix}", err=True)
