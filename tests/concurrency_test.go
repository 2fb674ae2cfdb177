package tests

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/vaultawsauth/pulumi-vaultawsauth/sdk/go/vaultawsauth"
)

// TestFiftyClientsInOneUp creates, updates and destroys 50 AuthBackendClients on 50 mounts in one
// stack at the CLI's default parallelism, and checks every config in Vault after each step.
func TestFiftyClientsInOneUp(t *testing.T) {
	t.Parallel()
	const count = 50
	mounts := make([]string, count)
	for i := range mounts {
		mounts[i] = vault.EnableAWSAuth(t)
	}
	serverID := "first.example.com"
	env := newStackEnv(t)
	d := &goDriver{env: env, project: "fifty-clients", program: func(ctx *pulumi.Context) error {
		for i, mount := range mounts {
			_, err := vaultawsauth.NewAuthBackendClient(ctx, fmt.Sprintf("client-%02d", i), &vaultawsauth.AuthBackendClientArgs{
				Backend:                pulumi.String(mount),
				RoleArn:                pulumi.Sprintf("arn:aws:iam::123456789012:role/vault-%02d", i),
				IamServerIdHeaderValue: pulumi.String(serverID),
			})
			if err != nil {
				return err
			}
		}
		return nil
	}}
	cfg := stackConfig{
		"vaultawsauth:address": {Value: vault.Addr},
		"vaultawsauth:token":   {Value: vault.Token, Secret: true},
	}
	everyConfigHolds := func(serverID string) {
		t.Helper()
		for i, mount := range mounts {
			assertVault(t, "auth/"+mount+"/config/client", map[string]any{
				"role_arn":                   fmt.Sprintf("arn:aws:iam::123456789012:role/vault-%02d", i),
				"iam_server_id_header_value": serverID,
			})
		}
	}

	assertChanges(t, "up", d.run(t, "up", cfg), map[string]int{"create": count + 1})
	everyConfigHolds("first.example.com")

	serverID = "second.example.com"
	assertChanges(t, "up", d.run(t, "up", cfg), map[string]int{"same": 1, "update": count})
	everyConfigHolds("second.example.com")

	assertChanges(t, "destroy", d.run(t, "destroy", cfg), map[string]int{"delete": count + 1})
	for _, mount := range mounts {
		if secret, err := vault.Client.Logical().Read("auth/" + mount + "/config/client"); err != nil || secret != nil {
			t.Errorf("after destroy, auth/%s/config/client holds %v (%v)", mount, secret, err)
		}
	}
}
