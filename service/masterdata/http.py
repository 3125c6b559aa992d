"""HTTP plumbing shared by the master-data routers: request body, content type, code lists, XSDs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request

from service.errors import NotReady, PayloadTooLarge, UnsupportedMediaType
from service.masterdata.codelists import CodeLists, CodeListsMissing, find_codelists
from service.masterdata.ubl import UblSchemas

BodyKind = Literal["json", "xml"]


@dataclass(frozen=True)
class Body:
    data: bytes
    kind: BodyKind


@dataclass(frozen=True)
class MasterDataContext:
    codelists: CodeLists
    schemas: UblSchemas


def _kind(content_type: str, allow_xml: bool) -> BodyKind:
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if (allow_xml and media in ("application/xml", "text/xml")) or (allow_xml and media.endswith("+xml")):
        return "xml"
    accepted = "application/json or application/xml" if allow_xml else "application/json"
    raise UnsupportedMediaType(f"send {accepted} (got {media or 'no Content-Type'})")


async def _read(request: Request, allow_xml: bool) -> Body:
    kind = _kind(request.headers.get("content-type", ""), allow_xml)
    limit = request.app.state.settings.max_document_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return Body(b"".join(chunks), kind)


async def json_or_xml_body(request: Request) -> Body:
    return await _read(request, allow_xml=True)


async def json_body(request: Request) -> Body:
    return await _read(request, allow_xml=False)


def masterdata_context(request: Request) -> MasterDataContext:
    state = request.app.state
    engine = getattr(state, "validation", None)
    settings = state.settings
    dirs = (getattr(engine, "artifacts_dir", None), settings.artifacts_dir, settings.artifacts_mirror)
    try:
        codelists = find_codelists(*dirs)
    except CodeListsMissing as exc:
        raise NotReady(str(exc)) from None
    return MasterDataContext(codelists=codelists, schemas=UblSchemas(engine, dirs))


JsonOrXmlBody = Annotated[Body, Depends(json_or_xml_body)]
JsonBody = Annotated[Body, Depends(json_body)]
Context = Annotated[MasterDataContext, Depends(masterdata_context)]


def request_body(schema: dict[str, Any], xml_description: str | None = None) -> dict[str, Any]:
    """``openapi_extra`` documenting a body the route reads itself (JSON, and XML when given)."""
    content: dict[str, Any] = {"application/json": {"schema": schema}}
    if xml_description:
        content["application/xml"] = {"schema": {"type": "string", "description": xml_description}}
    return {"requestBody": {"required": True, "content": content}}
