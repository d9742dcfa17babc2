# Schemathesis hooks for `npm run drill:fuzz` (scripts/drills/fuzz.ts): the API's common error format as a check.
import json

import schemathesis


@schemathesis.check
def error_format(ctx, response, case):
    """Every 4xx (and 5xx) answers {"error": {"code", "message", "details"?: [{field?, in?, message}], "requestId"?}} as JSON."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if "application/json" not in (content_type or ""):
        raise AssertionError(f"{response.status_code} answered with content type {content_type!r}, not JSON")
    try:
        body = json.loads(response.content or b"")
    except ValueError as err:
        raise AssertionError(f"{response.status_code} answered with a body that is not JSON: {err}") from None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        raise AssertionError(f"{response.status_code} body has no `error` object: {str(body)[:200]}")
    if not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        raise AssertionError(f"{response.status_code} `error` lacks a string code or message: {str(error)[:200]}")
    if "details" in error and not (isinstance(error["details"], list) and all(isinstance(d, dict) and isinstance(d.get("message"), str) for d in error["details"])):
        raise AssertionError(f"{response.status_code} `error.details` is not an array of {{message}}: {str(error)[:200]}")
    if "requestId" in error and not isinstance(error["requestId"], str):
        raise AssertionError(f"{response.status_code} `error.requestId` is not a string")
    extra = set(error) - {"code", "message", "details", "requestId"}
    if extra or set(body) - {"error"}:
        raise AssertionError(f"{response.status_code} error body has unexpected keys: {sorted(extra | (set(body) - {'error'}))}")
    return None
