"""The example program: Vault's AWS auth method enabled at a path, and its client configuration.

Stack config it reads (all in the project's namespace):

  path                    mount path, default "aws-example"
  iamServerIdHeaderValue  default "vault.example.com"
  accessKey, secretKey    AWS credentials Vault uses; both set with --secret
  useIdentityToken        true: use workload identity federation (roleArn and
                          identityTokenAudience) instead of keys; Vault Enterprise 1.17+

It lives apart from __main__.py so the repository's tests can run it with the Automation API.
"""

import pulumi
import pulumi_vaultawsauth as vaultawsauth


def program() -> None:
    config = pulumi.Config()
    path = config.get("path") or "aws-example"
    header_value = config.get("iamServerIdHeaderValue") or "vault.example.com"

    backend = vaultawsauth.AuthBackend(
        "aws-auth",
        path=path,
        description="AWS auth method, managed by Pulumi",
    )

    if config.get_bool("useIdentityToken"):
        # Workload identity federation: Vault assumes role_arn with a plugin identity token
        # instead of holding long-lived keys. Needs Vault Enterprise 1.17 or later.
        credentials = dict(
            role_arn=config.require("roleArn"),
            identity_token_audience=config.get("identityTokenAudience") or "sts.amazonaws.com",
        )
    else:
        credentials = dict(
            access_key=config.require_secret("accessKey"),
            secret_key=config.require_secret("secretKey"),
        )

    client = vaultawsauth.AuthBackendClient(
        "aws-auth-client",
        # The mount's output, not the plain string: Pulumi then creates the mount first and
        # deletes it last.
        backend=backend.path,
        iam_server_id_header_value=header_value,
        **credentials,
    )

    pulumi.export("clientId", client.id)
