"""Execute one planned STS step (imported only when the cache cannot answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from awsprompt.aws import sts
from awsprompt.aws.credentials import Credentials
from awsprompt.aws.engine import Step, default_session_name
from awsprompt.aws.mfa import MfaCodes

if TYPE_CHECKING:
    from awsprompt.context import Context


def run_step(
    ctx: Context,
    step: Step,
    creds: Credentials,
    mfa: MfaCodes,
    region: str | None,
    index: int,
    total: int,
) -> tuple[Credentials, str]:
    """Call STS for STEP with CREDS; return the new credentials and their account id."""
    where = f"profile {step.profile!r} (step {index + 1} of {total}: {step.label})"
    client = sts.client(ctx, "sts", creds, region)
    params: dict[str, Any] = {"DurationSeconds": step.duration}
    if step.mfa_serial:
        params["SerialNumber"] = step.mfa_serial
        params["TokenCode"] = mfa.code(
            step.mfa_serial,
            step.mfa_process,
            step.mfa_profile or step.profile,
            step.requested or step.profile,
        )
    if step.kind == "GetSessionToken":
        response = sts.call(lambda: client.get_session_token(**params), "GetSessionToken", where)
        new = sts.to_credentials(response["Credentials"])
        account = ""
        if index == total - 1:
            ident = sts.call(
                lambda: sts.client(ctx, "sts", new, region).get_caller_identity(),
                "GetCallerIdentity",
                where,
            )
            account = str(ident.get("Account", ""))
        return new, account
    hop = step.hop
    assert hop is not None
    params["RoleArn"] = hop.role_arn
    params["RoleSessionName"] = hop.role_session_name or default_session_name(ctx.env)
    if hop.external_id:
        params["ExternalId"] = hop.external_id
    if hop.session_tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in hop.session_tags]
    if hop.transitive_session_tags:
        params["TransitiveTagKeys"] = list(hop.transitive_session_tags)
    if hop.source_identity:
        params["SourceIdentity"] = hop.source_identity
    response = sts.call(lambda: client.assume_role(**params), "AssumeRole", where)
    return sts.to_credentials(response["Credentials"]), hop.account
