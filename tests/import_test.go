package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/vaultawsauth/pulumi-vaultawsauth/sdk/go/vaultawsauth"
)

// importProgram is the YAML equivalent of what `pulumi import` would generate for the config
// seeded by seedClientConfig: the properties Vault returns. secretKey is left out, as Vault
// never returns it; setting it would show as an update.
const importProgram = `name: import-e2e
runtime: yaml
config:
  backend:
    type: string
  accessKey:
    type: string
    secret: true
resources:
  client:
    type: vaultawsauth:index:AuthBackendClient
    properties:
      backend: ${backend}
      accessKey: ${accessKey}
      iamServerIdHeaderValue: imported.example.com
`

// seedClientConfig writes a client config straight to Vault at a fresh mount and returns the
// mount, its resource ID and the keys written.
func seedClientConfig(t *testing.T) (mount, id, accessKey, secretKey string) {
	mount = vault.EnableAWSAuth(t)
	id = "auth/" + mount + "/config/client"
	accessKey, secretKey = "AKIA"+strings.ToUpper(randomHex(8)), randomHex(20)
	if _, err := vault.Client.Logical().Write(id, map[string]any{
		"access_key": accessKey, "secret_key": secretKey, "iam_server_id_header_value": "imported.example.com",
	}); err != nil {
		t.Fatal(err)
	}
	return mount, id, accessKey, secretKey
}

// TestImportCommand adopts a config with `pulumi import`.
func TestImportCommand(t *testing.T) {
	t.Parallel()
	mount, id, accessKey, secretKey := seedClientConfig(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(importProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	env := newStackEnv(t)
	d := &cliDriver{env: env, dir: dir, stack: "e2e"}
	cfg := stackConfig{
		"vaultawsauth:address": {Value: vault.Addr},
		"vaultawsauth:token":   {Value: vault.Token, Secret: true},
		"backend":              {Value: mount},
		"accessKey":            {Value: accessKey, Secret: true},
	}
	d.configure(t, cfg)
	// No generated code: it would print the access key, as code holds plain values.
	d.pulumi(t, "", "import", clientType, "client", id, "--yes", "--protect=false", "--generate-code=false", "--color", "never")
	assertAdopted(t, env, d, cfg, id, accessKey, secretKey)
}

// TestImportOption adopts a config with the `import` resource option.
func TestImportOption(t *testing.T) {
	t.Parallel()
	mount, id, accessKey, secretKey := seedClientConfig(t)
	env := newStackEnv(t)
	d := &goDriver{env: env, project: "import-option-e2e", program: func(ctx *pulumi.Context) error {
		_, err := vaultawsauth.NewAuthBackendClient(ctx, "client", &vaultawsauth.AuthBackendClientArgs{
			Backend:                pulumi.String(mount),
			AccessKey:              pulumi.String(accessKey),
			IamServerIdHeaderValue: pulumi.String("imported.example.com"),
		}, pulumi.Import(pulumi.ID(id)))
		return err
	}}
	cfg := stackConfig{
		"vaultawsauth:address": {Value: vault.Addr},
		"vaultawsauth:token":   {Value: vault.Token, Secret: true},
	}
	res := d.run(t, "up", cfg)
	assertChanges(t, "up", res, map[string]int{"create": 1, "import": 1})
	assertAdopted(t, env, d, cfg, id, accessKey, secretKey)
}

// assertAdopted checks an imported client: the program matches it, accessKey is secret in the
// state, and destroy deletes the config from Vault.
func assertAdopted(t *testing.T, env *stackEnv, d exporter, cfg stackConfig, id, accessKey, secretKey string) {
	t.Helper()
	res := d.run(t, "preview", cfg)
	assertChanges(t, "preview after import", res, map[string]int{"same": 2})

	client := resourceOfType(t, d.export(t), clientType)
	if client.ID != id {
		t.Errorf("imported ID = %q, want %q", client.ID, id)
	}
	if !isSecret(client.Outputs["accessKey"]) || !isSecret(client.Inputs["accessKey"]) {
		t.Errorf("accessKey is not secret in the exported state: inputs %v, outputs %v",
			client.Inputs["accessKey"], client.Outputs["accessKey"])
	}
	env.assertNoLeaks(t, map[string]string{"accessKey": accessKey, "secretKey": secretKey, "Vault token": vault.Token})

	res = d.run(t, "destroy", cfg)
	assertChanges(t, "destroy", res, map[string]int{"delete": 2})
	if secret, err := vault.Client.Logical().Read(id); err != nil || secret != nil {
		t.Errorf("after destroy, reading %s: %v, %v; want nothing there", id, secret, err)
	}
	env.assertNoLeaks(t, map[string]string{"accessKey": accessKey, "secretKey": secretKey, "Vault token": vault.Token})
}
