import * as pulumi from "@pulumi/pulumi";
import * as vaultawsauth from "pulumi-vaultawsauth";

/**
 * The example program: Vault's AWS auth method enabled at a path, and its client configuration.
 * Stack config it reads (all in the project's namespace):
 *
 *   path                    mount path, default "aws-example"
 *   iamServerIdHeaderValue  default "vault.example.com"
 *   accessKey, secretKey    AWS credentials Vault uses; both set with --secret
 *   useIdentityToken        true: use workload identity federation (roleArn and
 *                           identityTokenAudience) instead of keys; Vault Enterprise 1.17+
 *
 * It lives apart from index.ts so the repository's tests can run it with the Automation API.
 */
export function program() {
    const config = new pulumi.Config();
    const path = config.get("path") ?? "aws-example";
    const headerValue = config.get("iamServerIdHeaderValue") ?? "vault.example.com";

    const backend = new vaultawsauth.AuthBackend("aws-auth", {
        path,
        description: "AWS auth method, managed by Pulumi",
    });

    const credentials: Partial<vaultawsauth.AuthBackendClientArgs> = config.getBoolean("useIdentityToken")
        ? {
              // Workload identity federation: Vault assumes roleArn with a plugin identity token
              // instead of holding long-lived keys. Needs Vault Enterprise 1.17 or later.
              roleArn: config.require("roleArn"),
              identityTokenAudience: config.get("identityTokenAudience") ?? "sts.amazonaws.com",
          }
        : {
              accessKey: config.requireSecret("accessKey"),
              secretKey: config.requireSecret("secretKey"),
          };

    const client = new vaultawsauth.AuthBackendClient("aws-auth-client", {
        // The mount's output, not the plain string: Pulumi then creates the mount first and
        // deletes it last.
        backend: backend.path,
        iamServerIdHeaderValue: headerValue,
        ...credentials,
    });

    return { clientId: client.id };
}
