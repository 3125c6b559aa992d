"""Routes whose dependencies are called from a plan made once, not solved anew on every request.

FastAPI's general solver walks a route's dependency tree on every request: for each of the eleven
nodes of POST /v1/invoices (the /v1 router's key, NUL and organisation guards, the role guard,
the bearer scheme, the body) it builds cache keys, classifies the callable and looks for query,
header and cookie parameters; 0.3 ms of the event loop's CPU per request, about as much as the
route's whole trip through the thread pool (issue #21, measured 2026-12-06).

``PlannedRoute`` makes that walk once, when FastAPI builds the route's handler: the dependencies
in the solver's order (each one's own dependencies first, every callable called once per request,
as with FastAPI's cache). Only trees the plan reproduces exactly are planned: every dependency a
coroutine function (or a security scheme with one) of the request and of other dependencies, no
query, header, cookie or body parameters, no yield, no scopes; the endpoint itself a marked
coroutine (``@planned``) that answers a ``Response``. Any other route, and any request while
dependency overrides are set (tests), runs FastAPI's own handler unchanged. Path parameters are
validated by FastAPI's own function before any dependency runs; a request with an invalid one is
handed whole to FastAPI's handler, which answers it exactly as before.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

try:  # which inclusion of the route (with the /v1 router's dependencies) a handler is built for
    from fastapi.routing import _effective_route_context_var
except ImportError:  # pragma: no cover - another FastAPI: every route keeps FastAPI's handler
    _effective_route_context_var = None  # type: ignore[assignment]

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

# endpoints that always answer a Response (so FastAPI's serialisation has nothing to add)
_PLANNED: set[Callable[..., Any]] = set()


def planned(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an async endpoint that returns a ``Response`` on every path, for ``PlannedRoute``."""
    _PLANNED.add(endpoint)
    return endpoint


@dataclass(frozen=True, slots=True)
class _Step:
    call: Callable[..., Any]
    request_names: tuple[str, ...]  # the parameters that take the request
    arguments: tuple[tuple[str, Callable[..., Any]], ...]  # parameter -> the dependency giving it


def _awaitable(call: Any) -> bool:
    if inspect.isclass(call):
        return False
    # a security scheme is an instance whose __call__ is the coroutine
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)


def _plain(dependant: Dependant) -> bool:
    """Nothing but the request and other dependencies as parameters (no validation, no errors)."""
    return not (dependant.query_params or dependant.header_params or dependant.cookie_params
                or dependant.body_params or dependant.websocket_param_name
                or dependant.response_param_name or dependant.background_tasks_param_name
                or dependant.security_scopes_param_name or dependant.own_oauth_scopes
                or dependant.parent_oauth_scopes or getattr(dependant, "concurrency", None))


def _step(dependant: Dependant) -> _Step:
    # FastAPI gives the request to a parameter typed Request and to one typed HTTPConnection
    takers = tuple(name for name in (dependant.request_param_name, dependant.http_connection_param_name) if name)
    arguments = tuple((sub.name, sub.call) for sub in dependant.dependencies if sub.name is not None)
    return _Step(dependant.call, takers, arguments)


def _plan(dependant: Dependant, steps: list[_Step], planned_calls: set[Any]) -> bool:
    """Append the dependencies of ``dependant`` in the order FastAPI's solver calls them; False
    when one of them is not plain enough to be planned."""
    for sub in dependant.dependencies:
        # a scope (yield dependencies' exit) or path parameters: FastAPI's solver
        if not (sub.use_cache and _plain(sub) and not sub.scope and not sub.path_params and _awaitable(sub.call)):
            return False
        if not _plan(sub, steps, planned_calls):
            return False
        if sub.call not in planned_calls:  # FastAPI's cache: called once per request
            planned_calls.add(sub.call)
            steps.append(_step(sub))
    return True


# the canonical form of a UUID: pydantic and uuid.UUID read it alike (other forms go to pydantic)
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _plain_uuids(path_params: list[Any]) -> tuple[str, ...] | None:
    """The names of ``path_params`` when every one is a bare ``uuid.UUID`` path parameter (no alias,
    no constraints), else None. FastAPI's validation of such a value costs about 15 us a request,
    a canonical UUID read directly 4 us (issue #21, measured 2026-12-07)."""
    names = []
    for field in path_params:
        info = field.field_info
        if not (isinstance(info, params.Path) and info.annotation is uuid.UUID and not info.metadata
                and info.validation_alias is None and field.alias == field.name):
            return None
        names.append(field.name)
    return tuple(names)


def plan_handler(dependant: Dependant, generic: Handler) -> Handler | None:
    """A handler that runs ``dependant``'s plan, or None when the tree cannot be planned."""
    if dependant.call not in _PLANNED or not _plain(dependant) or not _awaitable(dependant.call):
        return None
    steps: list[_Step] = []
    if not _plan(dependant, steps, set()):
        return None
    endpoint = _step(dependant)
    path_params = dependant.path_params
    uuids = _plain_uuids(path_params)

    def read_uuids(received: dict[str, Any]) -> dict[str, Any] | None:
        values = {}
        for name in uuids or ():
            value = received.get(name)
            if not (isinstance(value, str) and _CANONICAL_UUID.fullmatch(value)):
                return None
            values[name] = uuid.UUID(value)
        return values

    async def handler(request: Request) -> Response:
        path_values: dict[str, Any] = {}
        if path_params:
            read = read_uuids(request.path_params) if uuids else None
            if read is not None:
                path_values = read
            else:
                path_values, errors = request_params_to_args(path_params, request.path_params)
                if errors:  # FastAPI's handler runs the dependencies, then answers 422
                    return await generic(request)
        solved: dict[Any, Any] = {}
        for step in (*steps, endpoint):
            arguments = {name: solved[call] for name, call in step.arguments}
            for name in step.request_names:
                arguments[name] = request
            if step is endpoint:
                return await step.call(**arguments, **path_values)
            solved[step.call] = await step.call(**arguments)
        raise AssertionError("the endpoint is the plan's last step")  # pragma: no cover

    return handler


class PlannedRoute(APIRoute):
    """An APIRoute that answers from a dependency plan when its endpoint is ``@planned`` and its
    dependency tree allows (see the module's docstring); otherwise exactly an APIRoute."""

    def get_route_handler(self) -> Handler:
        generic = super().get_route_handler()
        context = _effective_route_context_var.get() if _effective_route_context_var is not None else None
        route: Any = context if context is not None and context.original_route is self else self
        fast = plan_handler(route.dependant, generic)
        if fast is None:
            return generic
        overrides = route.dependency_overrides_provider

        async def handler(request: Request) -> Response:
            if overrides is not None and getattr(overrides, "dependency_overrides", None):
                return await generic(request)
            return await fast(request)

        return handler
