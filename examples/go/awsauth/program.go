// Package awsauth is the example program: Vault's AWS auth method enabled at a path, and its
// client configuration. It is a package of its own so the repository's tests can run this very
// program with the Automation API; ../main.go is what `pulumi up` runs.
package awsauth

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/vaultawsauth/pulumi-vaultawsauth/sdk/go/vaultawsauth"
)

// Program declares the resources. Stack config it reads (all in the project's namespace):
//
//	path                    mount path, default "aws-example"
//	iamServerIdHeaderValue  default "vault.example.com"
//	accessKey, secretKey    AWS credentials Vault uses; both set with --secret
//	useIdentityToken        true: use workload identity federation (roleArn and
//	                        identityTokenAudience) instead of keys; Vault Enterprise 1.17+
func Program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	path := cfg.Get("path")
	if path == "" {
		path = "aws-example"
	}
	headerValue := cfg.Get("iamServerIdHeaderValue")
	if headerValue == "" {
		headerValue = "vault.example.com"
	}

	backend, err := vaultawsauth.NewAuthBackend(ctx, "aws-auth", &vaultawsauth.AuthBackendArgs{
		Path:        pulumi.String(path),
		Description: pulumi.String("AWS auth method, managed by Pulumi"),
	})
	if err != nil {
		return err
	}

	args := &vaultawsauth.AuthBackendClientArgs{
		// The mount's output, not the plain string: Pulumi then creates the mount first and
		// deletes it last.
		Backend:                backend.Path,
		IamServerIdHeaderValue: pulumi.String(headerValue),
	}
	if cfg.GetBool("useIdentityToken") {
		// Workload identity federation: Vault assumes roleArn with a plugin identity token
		// instead of holding long-lived keys. Needs Vault Enterprise 1.17 or later.
		audience := cfg.Get("identityTokenAudience")
		if audience == "" {
			audience = "sts.amazonaws.com"
		}
		args.RoleArn = pulumi.String(cfg.Require("roleArn"))
		args.IdentityTokenAudience = pulumi.String(audience)
	} else {
		args.AccessKey = cfg.RequireSecret("accessKey")
		args.SecretKey = cfg.RequireSecret("secretKey")
	}
	client, err := vaultawsauth.NewAuthBackendClient(ctx, "aws-auth-client", args)
	if err != nil {
		return err
	}

	ctx.Export("clientId", client.ID())
	return nil
}
