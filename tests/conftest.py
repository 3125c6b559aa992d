"""Shared fixtures.

- The environment is set before the app is imported (settings are read from it).
- ``db_url`` runs each database test on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL
  too: a fresh database per test session (created from TEST_DATABASE_URL, dropped afterwards), built
  by the real Alembic migrations. Unreachable PostgreSQL is a hard failure, never a skip.
- Each test starts with empty tables (rows are deleted after the test), so tests that start real
  server processes against the same database see committed data, as in production.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

os.environ["EINVOICE_ENVIRONMENT"] = "test"
os.environ.setdefault("EINVOICE_LOG_LEVEL", "WARNING")

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from service.config import Settings, get_settings
from service.db import make_engine, normalise_url
from service.migrations import upgrade
from tests import seed

REPO = Path(__file__).resolve().parent.parent
MIRROR = Path(os.environ.get("EINVOICE_ARTIFACTS_MIRROR") or REPO.parent / "shared" / "artifacts")
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
# `pytest --fast` (make test-fast): the pure-core tests; the lanes are decided in tests/lanes.py
pytest_plugins = ["tests.lanes"]


def pytest_report_header(config) -> list[str]:
    return [f"database backends: {', '.join(BACKENDS)}", f"artefacts mirror: {MIRROR}"]


# --- artefacts ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def artifacts_mirror() -> Path:
    if not (MIRROR / "MANIFEST.json").is_file():
        pytest.fail(f"validation artefacts mirror not found at {MIRROR} (set EINVOICE_ARTIFACTS_MIRROR)")
    return MIRROR


@pytest.fixture(scope="session")
def artifacts_dir(artifacts_mirror: Path, tmp_path_factory) -> Path:
    """The artefacts installed (and SHA-256 verified) from the mirror, once per test session."""
    from service.validation.artefacts import install_from_mirror  # validation area

    target = tmp_path_factory.mktemp("artifacts")
    install_from_mirror(artifacts_mirror, target)
    return target


# --- databases ---------------------------------------------------------------------------------


def _create_pg_database() -> tuple[str, str]:
    base = make_url(normalise_url(os.environ["TEST_DATABASE_URL"]))
    name = f"einvoice_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base.render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any driver error: the suite stops with one clear line
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL cannot be used: {exc}", pytrace=False)
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(name: str) -> None:
    base = make_url(normalise_url(os.environ["TEST_DATABASE_URL"]))
    admin = make_engine(base.render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_migrated: dict[str, str] = {}


@pytest.fixture(scope="session")
def _databases(tmp_path_factory) -> Iterator[dict[str, str]]:
    urls: dict[str, str] = {}
    pg_name = None
    urls["sqlite"] = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if "postgresql" in BACKENDS:
        urls["postgresql"], pg_name = _create_pg_database()
    for backend, url in urls.items():
        upgrade(url)
        eng = make_engine(url)
        seed.remember(backend, eng)
        eng.dispose()
    yield urls
    if pg_name:
        _drop_pg_database(pg_name)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.on_backend("sqlite")`` keeps only that database's run of a test; ``"preferred"``
    is PostgreSQL when it is configured, else SQLite. The other runs are deselected, never skipped:
    a skip in CI would hide a test that did not run."""
    deselected = []
    for item in items:
        marker = item.get_closest_marker("on_backend")
        backend = getattr(getattr(item, "callspec", None), "params", {}).get("db_url")
        if marker is None or backend is None:
            continue
        wanted = BACKENDS[-1] if marker.args[0] == "preferred" else marker.args[0]
        if backend != wanted:
            deselected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


@pytest.fixture(params=BACKENDS)
def db_url(request, _databases) -> str:
    return _databases[request.param]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    _empty_all_tables(eng)
    eng.dispose()


# (tests/seed.py: every test starts from what the migrations wrote, the default organisation included)
_empty_all_tables = seed.empty_all_tables


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session for arranging data and checking results; commit what the app must see."""
    from service.db import reading

    with Session(reading(engine), expire_on_commit=False) as s:
        yield s


# --- the app -----------------------------------------------------------------------------------


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    get_settings.cache_clear()
    return Settings(
        database_url=db_url,
        environment="test",
        artifacts_dir=tmp_path / "no-artifacts",
        validation_cache_dir=tmp_path / "cache",
        # no webhook dispatcher thread inside test apps: one that outlived its test (stopped while
        # blocked) claimed the deliveries of later tests on the same database; the tests of the
        # in-serve dispatcher switch it on themselves
        webhook_dispatcher_in_serve=False,
        reminders_in_serve=False,
    )


@pytest.fixture(scope="session")
def validation(artifacts_dir: Path, tmp_path_factory):
    """(engine, problems) from the installed artefacts, built once per test session."""
    from service.validation_setup import load_validation

    built = load_validation(
        Settings(artifacts_dir=artifacts_dir, validation_cache_dir=tmp_path_factory.mktemp("cache"),
                 environment="test")
    )
    return built


@pytest.fixture
def bare_app(settings: Settings, engine: Engine):
    """The app without validation artefacts (foundation tests: auth, health, storage)."""
    from service.main import create_app

    return create_app(settings, engine=engine)


@pytest.fixture
def app(settings: Settings, engine: Engine, validation):
    """The full app: database plus the validation engine."""
    from service.main import create_app

    return create_app(settings, engine=engine, validation=validation)


@pytest.fixture
def bare_client(bare_app) -> Iterator[TestClient]:
    with TestClient(bare_app) as c:
        yield c


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def make_key(engine: Engine):
    """make_key(role, supplier_id=None, organisation_id=None, owner=None) -> {"Authorization": "Bearer ..."}
    for a new committed key (``owner``: the staff user whose own key it is)."""
    from service.keys import create_key
    from service.models.keys import Role

    def _make(role: str | Role, supplier_id: uuid.UUID | None = None, name: str = "test",
              organisation_id: uuid.UUID | None = None, owner: str | None = None) -> dict[str, str]:
        with Session(engine) as s:
            _, clear = create_key(s, role=Role(role), supplier_id=supplier_id, name=name,
                                  organisation_id=organisation_id, owner=owner)
            s.commit()
        return {"Authorization": f"Bearer {clear}"}

    return _make
