"""The app's routes as (method, full path), also those of included routers.

FastAPI (0.165) keeps an included router as one entry of ``app.routes`` whose own routes carry no
prefix; its effective routes (prefix applied) come from ``effective_route_contexts()``. A scan of
``app.routes`` for "/v1/..." paths alone finds nothing, so a matrix over it would pass vacuously.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def _walk(routes: Iterable[Any]) -> Iterator[tuple[str, str]]:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for ctx in contexts():
                for method in sorted((getattr(ctx, "methods", None) or set()) - {"HEAD"}):
                    yield method, ctx.path
            continue
        for method in sorted((getattr(route, "methods", None) or set()) - {"HEAD"}):
            yield method, route.path


def app_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, HEAD left out, in a stable order."""
    return sorted(set(_walk(app.routes)))
