"""Buyer organisations (admin): /v1/organisations. An invoice belongs to the organisation whose
identifier is its buyer's electronic address (BT-49) or legal registration (BT-47)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from service.api.deps import Admin
from service.db import SessionDep
from service.errors import Forbidden, InvalidInput, problem_responses
from service.api.organisation_scope import sees
from service.organisations.payloads import OrganisationIn, OrganisationList, OrganisationOut
from service.organisations.store import (
    OrganisationIdentifierTaken,
    OrganisationNotFound,
    any_identifiers,
    create_organisation,
    get_organisation,
    list_organisations,
    organisation_out,
    replace_organisation,
)

router = APIRouter(prefix="/organisations", tags=["organisations"])

_RULE = ("An invoice belongs to the organisation whose identifier equals its buyer electronic address "
         "(BT-49), else its buyer legal registration (BT-47); an invoice for none of them is rejected with "
         "BUYER_UNKNOWN. While no organisation has identifiers, the default organisation takes every buyer: "
         "give it its identifiers before adding a second organisation.")


@router.post("", operation_id="organisations-create", status_code=status.HTTP_201_CREATED,
             summary="Add a buyer organisation",
             description=f"Name and identifiers (0190 OIN, 0106 KvK, 0088 GLN are checked; other four-digit "
                         f"ICD/EAS schemes, or Peppol participant ids as scheme `iso6523-actorid-upis`). "
                         f"{_RULE} An identifier of another organisation is a 409.",
             responses=problem_responses(InvalidInput, OrganisationIdentifierTaken, Forbidden))
def create(body: OrganisationIn, session: SessionDep, principal: Admin, request: Request,
           response: Response) -> OrganisationOut:
    if principal.organisation_id is not None:
        raise Forbidden("only an instance-wide admin key (no organisation) adds organisations")
    org = create_organisation(session, body)
    response.headers["Location"] = str(request.url_for("organisations-get", organisation_id=org.id))
    return organisation_out(session, org)


@router.get("", operation_id="organisations-list", summary="List the buyer organisations")
def list_all(session: SessionDep, principal: Admin) -> OrganisationList:
    orgs = [o for o in list_organisations(session) if sees(principal, o.id)]
    configured = any_identifiers(session)
    return OrganisationList(data=[organisation_out(session, o, configured=configured) for o in orgs])


@router.get("/{organisation_id}", operation_id="organisations-get", name="organisations-get",
            summary="Read a buyer organisation", responses=problem_responses(OrganisationNotFound))
def read(organisation_id: uuid.UUID, session: SessionDep, _: Admin) -> OrganisationOut:
    return organisation_out(session, get_organisation(session, organisation_id))


@router.put("/{organisation_id}", operation_id="organisations-replace",
            summary="Replace a buyer organisation's name and identifiers",
            description=f"The body is the whole organisation, as for POST. {_RULE}",
            responses=problem_responses(InvalidInput, OrganisationNotFound, OrganisationIdentifierTaken))
def replace(organisation_id: uuid.UUID, body: OrganisationIn, session: SessionDep, _: Admin) -> OrganisationOut:
    return organisation_out(session, replace_organisation(session, organisation_id, body))
