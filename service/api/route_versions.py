"""What an assembled app's routing can take as fixed: the included routers' route versions, summed
once instead of on every request, and which path every route of a router starts with.

FastAPI (0.16x) decides whether an included router's routes need rebuilding by comparing a
version number, and computes it by walking that router and everything it includes, every time:
eight walks per request for `/v1/...` (one per router on the way, in matching and again in
handling), 44 calls over the /v1 router's 19 sub-routers, about 30 us of the event loop's CPU per
request (issue #21, measured 2026-12-07).

Once an app is assembled its routes no longer change, so ``freeze`` stores each router the app
includes with its version, on the router itself, and remembers on the app's router which routers
that app froze. A router stays frozen while any app holds it (tests build many apps from the same
module routers). A router whose routes change afterwards (FastAPI marks every change through
``_mark_routes_changed``) thaws every app holding it first: each of its includers is in those apps
too, and their counts include its count. FastAPI then sees the new version as it would have. On a
FastAPI without these two methods nothing is frozen.

FastAPI also tries every route of an included router, even when the request's path cannot start as
they all do: a path no route serves (404) was tried against all ~130 routes twice (as is, then with
or without a trailing slash), most of a 404's 0.48 ms of CPU in the app (issue #21, 2026-12-07). A
frozen router whose routes are all FastAPI routes (at any depth; their paths are fixed patterns)
answers "no match" at once for a path that does not start with its routes' common literal
beginning (the part before any path parameter), which is where every pattern's match has to start.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import Match
from starlette.types import Scope

try:
    from fastapi.routing import _get_scope_included_router, _IncludedRouter
except ImportError:  # pragma: no cover - another FastAPI: nothing to freeze
    _IncludedRouter = None  # type: ignore[assignment,misc]

_VERSION = "_get_routes_version"
_CHANGED = "_mark_routes_changed"
_MATCHES = "matches"  # called by FastAPI's included router to match its router's routes
_HOLDERS = "_frozen_by"  # on a frozen router: the freezes (one per app) holding it
_FREEZE = "_route_versions_frozen"  # on an app's router: its freeze


class _Freeze:
    """The routers one app froze."""

    def __init__(self, routers: list[APIRouter]) -> None:
        self.routers = routers


def freeze(router: APIRouter) -> int:
    """Freeze the versions of every router ``router`` includes, at any depth; returns how many."""
    if _IncludedRouter is None or not (hasattr(APIRouter, _VERSION) and hasattr(APIRouter, _CHANGED)):
        return 0  # pragma: no cover - another FastAPI
    thaw(router)
    found: list[APIRouter] = []
    _collect(router, found, set())
    # each version from FastAPI's own count: what another app froze is set aside while counting
    # (a frozen router answers its whole count, where FastAPI's walk counts a router seen twice once)
    held_elsewhere = [(r, r.__dict__.pop(_VERSION, None)) for r in found]
    versions = [(r, r._get_routes_version()) for r in found]
    for r, frozen_version in held_elsewhere:
        if frozen_version is not None:
            r.__dict__[_VERSION] = frozen_version
    this_app = _Freeze(found)
    for r, version in versions:
        _hold(r, version, this_app)
    setattr(router, _FREEZE, this_app)
    return len(versions)


def thaw(router: APIRouter) -> None:
    """Back to FastAPI's own count on every router the app of ``router`` froze that no other app holds."""
    this_app: _Freeze | None = router.__dict__.pop(_FREEZE, None)
    if this_app is not None:
        _release(this_app)


def _collect(router: APIRouter, found: list[APIRouter], seen: set[int]) -> None:
    for route in router.routes:
        if isinstance(route, _IncludedRouter) and id(route.original_router) not in seen:
            seen.add(id(route.original_router))
            found.append(route.original_router)
            _collect(route.original_router, found, seen)


def _hold(router: APIRouter, version: int, this_app: _Freeze) -> None:
    holders: list[_Freeze] | None = router.__dict__.get(_HOLDERS)
    if holders:  # frozen by another app already, with this same version
        holders.append(this_app)
        return
    changed = getattr(type(router), _CHANGED)

    def frozen_version(seen: set[int] | None = None) -> int:
        return version

    def mark_changed(*args: Any, **kwargs: Any) -> None:
        for holder in list(router.__dict__.get(_HOLDERS, ())):
            _release(holder)  # an includer's count includes this router's: every app holding it is stale
        changed(router, *args, **kwargs)

    setattr(router, _VERSION, frozen_version)
    setattr(router, _CHANGED, mark_changed)
    setattr(router, _HOLDERS, [this_app])
    beginning = _common_beginning(router)
    if beginning is not None:
        _skip_other_paths(router, beginning)


def _common_beginning(router: APIRouter) -> str | None:
    """The literal beginning all of ``router``'s routes' paths share (as FastAPI matches them, the
    prefix it was included with left out), or None when a route is not a FastAPI route, whose
    match may not depend on the path's beginning (a mount, a host, static files)."""
    paths: list[str] = []
    for route in router.routes:
        if isinstance(route, _IncludedRouter):
            below = _common_beginning(route.original_router)
            if below is None:
                return None
            paths.append(route.include_context.prefix + below)
        elif type(route).matches is APIRoute.matches and isinstance(route, APIRoute):
            paths.append(route.path)
        else:
            return None
    if not paths or router._low_priority_routes:
        return None
    return _literal(os.path.commonprefix(paths))  # noqa: RUF071 - by character: a pattern's literal text


def _literal(path: str) -> str:
    return path.partition("{")[0]


def _skip_other_paths(router: APIRouter, beginning: str) -> None:
    match_all = getattr(type(router), _MATCHES)

    def matches(scope: Scope) -> tuple[Match, Scope]:
        included = _get_scope_included_router(scope)
        if included is not None and included.original_router is router:
            # a prefix with a path parameter matches from its literal part only
            must_start = _literal(included.include_context.prefix) if "{" in included.include_context.prefix \
                else included.include_context.prefix + beginning
            if not get_route_path(scope).startswith(must_start):
                return Match.NONE, {}
        return match_all(router, scope)

    setattr(router, _MATCHES, matches)


def _release(this_app: _Freeze) -> None:
    for router in this_app.routers:
        holders: list[_Freeze] = router.__dict__.get(_HOLDERS, [])
        if this_app in holders:
            holders.remove(this_app)
        if not holders:
            for name in (_VERSION, _CHANGED, _MATCHES, _HOLDERS):
                router.__dict__.pop(name, None)
    this_app.routers = []
