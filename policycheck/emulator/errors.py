"""The error answers the emulator gives: the platform's codes, messages and HTTP statuses.

Gateway codes and wording follow Alibaba Cloud's common error table (research/ice.md §1.5);
where sources disagree or say nothing, the choice is written here and in docs/emulator.md.
"""

from __future__ import annotations

from typing import Any

GATEWAY_ERRORS: dict[str, tuple[int, str]] = {
    "InvalidParameter": (400, 'The specified parameter "{}" is not valid.'),
    "InvalidApi.NotFound": (404, "Specified api is not found,please check your url and method."),
    # 404, as the error center and the PolarDB table have it; another table says 400.
    "InvalidAccessKeyId.NotFound": (404, "Specified access key is not found."),
    "InvalidTimeStamp.Format": (400, "Specified time stamp or date value is not well formatted."),
    "InvalidTimeStamp.Expired": (400, "Specified time stamp or date value is expired."),
    "SignatureNonceUsed": (400, "Specified signature nonce was used already."),
    "SignatureDoesNotMatch": (
        400,
        "Specified signature is not matched with our calculation. server string to sign is:{}",
    ),
    "IncompleteSignature": (400, "The request signature does not conform to Aliyun standards."),
    "InvalidSignatureMethod": (400, "Specified signature method is not valid."),
    "InvalidSignatureVersion": (400, "Specified signature version is not valid."),
    # Undocumented for ICE; the codes and wording of the STS-token family other gateways use.
    "InvalidSecurityToken.Expired": (400, "Specified SecurityToken is expired."),
    "InvalidSecurityToken.Malformed": (400, "Specified SecurityToken is malformed."),
    "InvalidSecurityToken.MismatchWithAccessKey": (
        400,
        "Specified SecurityToken mismatch with the AccessKey.",
    ),
    "UnsupportedHTTPMethod": (403, "This http method not supported."),
    "Throttling.User": (400, "Request was denied due to user flow control."),
    "Forbidden.RAM": (
        403,
        "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
    ),
    # QueryIProductionJob's reference, word for word (for Submit and Cancel too).
    "IdempotentParameterMismatch": (
        400,
        "The request uses the same client token as a previous, but non-identical request. Do not "
        "reuse a client token with different requests, unless the requests are identical.",
    ),
    # The IMS common error table (help.aliyun.com/document_detail/197855.html).
    "ResourceNotFound": (404, "Resource not found"),
    "ServiceUnavailable": (503, "The request has failed due to a temporary failure of the server."),
    "InternalError": (500, "The request processing has failed due to some unknown error."),
    # Not a gateway code: the emulator caps request bodies (the platform's cap is not documented).
    "RequestEntityTooLarge": (413, "The request body is larger than {} bytes."),
    "RequestURITooLong": (414, "The request line is longer than {} bytes."),
    "RequestHeaderFieldsTooLarge": (431, "The request headers are too large."),
    "BadRequest": (400, "The request is not valid HTTP."),
}


class ApiError(Exception):
    """An error answer: raised where a request turns out wrong, turned into a body once, in the server."""

    def __init__(
        self,
        code: str,
        *args: Any,
        status: int | None = None,
        message: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        default_status, template = GATEWAY_ERRORS.get(code, (400, ""))
        self.code = code
        self.status = status or default_status
        self.message = message if message is not None else template.format(*args)
        self.extra = extra or {}
        super().__init__(f"{code}: {self.message}")


def missing(name: str) -> ApiError:
    """A required parameter is absent: `Missing<Name>`, as the gateway names it.

    >>> missing("JobId").code, missing("JobId").message
    ('MissingJobId', 'JobId is mandatory for this action.')
    """
    return ApiError(f"Missing{name}", status=400, message=f"{name} is mandatory for this action.")


def invalid(name: str) -> ApiError:
    return ApiError("InvalidParameter", name)
