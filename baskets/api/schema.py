"""The OpenAPI schema's account of access and errors (SPEC API-3, AC-2).

``error_responses`` (a drf-spectacular postprocessing hook) gives every operation the error
answers it can give, 400/401/403/404/409/422/429/503, with the one error body ``{detail,
code}``, and names the clients that may call it. ``StaffSessionScheme`` documents the
staff-only session login next to the token.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .. import roles
from ..access import CLIENT_RIGHTS, STAFF_RIGHTS, ApiRight
from .serializers import RESTRICTED_FIELDS

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "A stable code for programs."},
        "errors": {
            "type": "object",
            "additionalProperties": True,
            "description": "Per-field messages, for a filter or body that did not validate.",
        },
    },
    "required": ["detail", "code"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}

MEANINGS = {
    "400": "Bad input: a malformed GUID, body, field or filter, or a full card number "
    "anywhere in the request (nothing changed).",
    "401": "No token, or an unknown or inactive one.",
    "403": "This client may not call this operation (see its description), or a shopper.",
    "404": "No basket (or line, coupon, gift card, shop account, visitor) with that identifier.",
    "409": "The basket cannot take this change now (its status, stage or hold), or a "
    "payment result that was not applied and is kept for reconciliation.",
    "415": "The body is not JSON (send Content-Type: application/json).",
    "422": "An Idempotency-Key already used for another basket.",
    "429": "Over this client's request budget: retry after the Retry-After seconds.",
    "503": "The database could not be reached (a restart, a failover): retry after the "
    "Retry-After seconds (code `service_unavailable`).",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
WRITE_METHODS = {"post", "put", "patch", "delete"}


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "baskets.api.permissions.StaffSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The admin's session: staff only (a shopper's session gets 403).",
        }


def _clients(right: ApiRight | None) -> str:
    names = [name for name, rights in CLIENT_RIGHTS.items() if right in rights]
    if right in STAFF_RIGHTS:
        names.append(f"staff ({roles.ADMINISTRATOR}, {roles.ORDER_PROCESSOR})")
    elif right is ApiRight.PERSONAL_DATA:
        # AC-1: only staff who may see shop-account personal data.
        names.append(f"staff ({roles.ADMINISTRATOR})")
    return ", ".join(names) or "none"


def _codes(path: str, method: str) -> list[str]:
    codes = ["400", "401", "403", "429", "503"]
    if "{" in path:
        # Any identifier in the path (a basket GUID, a shop account's, a visitor reference)
        # may name nothing.
        codes.append("404")
    if method in WRITE_METHODS:
        codes += ["404", "409", "415"]
    if path.endswith("/payment/"):
        codes.append("422")
    return sorted(set(codes))


def error_responses(result, generator, request, public):
    """Add the error answers and the allowed clients to every operation (API-3, AC-2)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for component in schemas.values():
        # AC-2: fields only some clients get are optional in every answer.
        if "required" in component:
            component["required"] = [
                name for name in component["required"] if name not in RESTRICTED_FIELDS
            ]
    views = {
        (path, method.lower()): callback
        for path, _regex, method, callback in generator.endpoints or []
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _codes(path, method):
                answer = responses.setdefault(code, {"description": MEANINGS[code]})
                answer.setdefault("description", MEANINGS[code])
                if code != "409" or "content" not in answer:
                    answer["content"] = {"application/json": {"schema": ERROR_REF}}
                if code in ("429", "503"):
                    answer["headers"] = RETRY_AFTER
            if method == "get" and "{guid}" in path:
                responses.setdefault("304", {"description": "Not modified (If-None-Match)."})
            callback = views.get((path, method))
            required = getattr(getattr(callback, "cls", None), "required_rights", {})
            right = required.get(method.upper())
            allowed = f"Allowed clients: {_clients(right)}."
            description = operation.get("description", "")
            operation["description"] = f"{description}\n\n{allowed}".strip()
    return result
