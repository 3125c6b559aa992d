"""The included routers' route versions, summed once instead of on every request.

FastAPI (0.16x) decides whether an included router's routes need rebuilding by comparing a
version number, and computes it by walking that router and everything it includes, every time:
eight walks per request for `/v1/...` (one per router on the way, in matching and again in
handling), 44 calls over the /v1 router's 19 sub-routers, about 30 us of the event loop's CPU per
request (issue #21, measured 2026-12-07).

Once the app is assembled its routes no longer change, so ``freeze`` stores each included router's
version on the router itself. A router whose routes change afterwards (FastAPI marks every change
through ``_mark_routes_changed``) thaws all of them first, so FastAPI then sees the new version as
it would have. On a FastAPI without these two methods nothing is frozen.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

try:
    from fastapi.routing import _IncludedRouter
except ImportError:  # pragma: no cover - another FastAPI: nothing to freeze
    _IncludedRouter = None  # type: ignore[assignment,misc]

_VERSION = "_get_routes_version"
_CHANGED = "_mark_routes_changed"
# every router frozen now, by id (routers compare by value), across apps: tests build many apps
# from the same module routers
_frozen: dict[int, APIRouter] = {}


def freeze(router: APIRouter) -> int:
    """Freeze the versions of every router ``router`` includes, at any depth; returns how many."""
    if _IncludedRouter is None or not (hasattr(APIRouter, _VERSION) and hasattr(APIRouter, _CHANGED)):
        return 0  # pragma: no cover - another FastAPI
    found: list[APIRouter] = []
    _collect(router, found, set())
    thaw()  # each version from the real, unfrozen count
    versions = [(r, r._get_routes_version()) for r in found]
    for r, version in versions:
        _freeze_one(r, version)
    return len(versions)


def thaw() -> None:
    """Back to FastAPI's own count on every frozen router."""
    while _frozen:
        _, r = _frozen.popitem()
        for name in (_VERSION, _CHANGED):
            r.__dict__.pop(name, None)


def _collect(router: APIRouter, found: list[APIRouter], seen: set[int]) -> None:
    for route in router.routes:
        if isinstance(route, _IncludedRouter) and id(route.original_router) not in seen:
            seen.add(id(route.original_router))
            found.append(route.original_router)
            _collect(route.original_router, found, seen)


def _freeze_one(router: APIRouter, version: int) -> None:
    changed = getattr(type(router), _CHANGED)

    def frozen_version(seen: set[int] | None = None) -> int:
        return version

    def mark_changed(*args: Any, **kwargs: Any) -> None:
        thaw()  # a parent's count includes this router's: every frozen count is stale now
        changed(router, *args, **kwargs)

    setattr(router, _VERSION, frozen_version)
    setattr(router, _CHANGED, mark_changed)
    _frozen[id(router)] = router
