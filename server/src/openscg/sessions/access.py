"""Who may do what: a token is checked against the stored hashes, in constant time."""

from __future__ import annotations

from typing import Any, Literal

from openscg.errors import Forbidden, Unauthorized
from openscg.tokens import token_matches

Role = Literal["patient", "viewer"]


def role_for(row: dict[str, Any], token: str | None) -> Role:
    """The role a token grants on this session; Unauthorized when it grants none."""
    if not token:
        raise Unauthorized("missing token: send 'Authorization: Bearer <token>'")
    if token_matches(token, row["patient_token_hash"]):
        return "patient"
    if token_matches(token, row["viewer_token_hash"]):
        return "viewer"
    raise Unauthorized("token not valid for this session")


def require_patient(row: dict[str, Any], token: str | None) -> None:
    if role_for(row, token) != "patient":
        raise Forbidden("this action needs the patient token; a viewer token is read-only")


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
