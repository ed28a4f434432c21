"""Stripe-shaped API errors the sandbox answers with."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error response: HTTP status plus Stripe's `{"error": {...}}` body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.type = type
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


def missing(object_type: str, object_id: str, param: str = "id") -> ApiError:
    """404 resource_missing, worded as Stripe does: "No such customer: 'cus_x'"."""
    return ApiError(
        404, f"No such {object_type}: '{object_id}'", param=param, code="resource_missing"
    )


def unknown_parameter(name: str) -> ApiError:
    return ApiError(
        400, f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
    )


def missing_parameter(name: str) -> ApiError:
    return ApiError(400, f"Missing required param: {name}.", param=name, code="parameter_missing")


def invalid_integer(param: str, value: str) -> ApiError:
    return ApiError(400, f"Invalid integer: {value}", param=param, code="parameter_invalid_integer")


def invalid_value(param: str, accepted: tuple[str, ...]) -> ApiError:
    """400 for a value a list parameter does not take, worded as Stripe does:
    "Invalid status: must be one of canceled, failed, pending, or succeeded"."""
    values = list(accepted)
    listed = (
        ", ".join(values[:-1]) + f", or {values[-1]}" if len(values) > 2 else " or ".join(values)
    )
    return ApiError(400, f"Invalid {param}: must be one of {listed}", param=param)
