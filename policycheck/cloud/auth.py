"""Which API errors mean the credentials were refused, and why in words.

One place for probe, check --probe and audit, so every command calls the same answer
auth_failed (exit 3) and gives the same hint.
"""

from __future__ import annotations

from policycheck.cloud.api import ApiError, CloudError
from policycheck.verdict import AUTH_FAILED

AUTH_HINTS: dict[str, str] = {
    "InvalidAccessKeyId.NotFound": "the AccessKey ID does not exist (deleted, mistyped, or another site)",
    "InvalidAccessKeyId.Inactive": "the AccessKey is disabled",
    "InvalidAccessKeyId": "the AccessKey ID is not valid",
    "SignatureDoesNotMatch": "the AccessKey secret is wrong for this AccessKey ID",
    "InvalidAccessKeySecret": "the AccessKey secret is wrong for this AccessKey ID",
    "IncompleteSignature": "the request signature is incomplete",
    "InvalidSignatureMethod": "the signature method was refused",
    "InvalidTimeStamp.Expired": "the request time is more than 15 minutes off: check this machine's clock",
    "InvalidTimeStamp.Format": "the request time was not understood",
    "SignatureNonceUsed": "the request nonce was used before (a replay?); try again",
    "MissingSecurityToken": "an STS AccessKey needs its security token (ALIBABA_CLOUD_SECURITY_TOKEN)",
    "InvalidSecurityToken.Expired": "the STS token has expired: get new temporary keys",
    "InvalidSecurityToken.Malformed": "the STS token does not belong to this AccessKey",
    "InvalidSecurityToken.MismatchWithAccessKey": "a security token was sent with a long-term AccessKey",
}


def is_auth_failure(error: CloudError) -> bool:
    """The gateway refused the credentials themselves (not a permission denial)."""
    if not isinstance(error, ApiError):
        return False
    code = error.code
    return code in AUTH_HINTS or code.startswith(("InvalidAccessKeyId", "InvalidSecurityToken"))


def auth_hint(error: ApiError) -> str:
    return AUTH_HINTS.get(error.code, "the credentials were not accepted")


def describe(error: CloudError) -> str:
    """The error as one line; an auth failure starts `auth_failed:` and says what to fix."""
    if is_auth_failure(error):
        assert isinstance(error, ApiError)
        return f"{AUTH_FAILED}: {error} ({auth_hint(error)})"
    return str(error)
