package provider

import (
	"os"
	"path/filepath"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// configure runs Configure on a fresh provider with exactly args (no defaults added).
func configure(t *testing.T, args map[string]any) error {
	t.Helper()
	return newServer(t).Configure(p.ConfigureRequest{Args: props(args)})
}

// isolateEnv clears every variable the provider falls back to, and HOME, for one test.
func isolateEnv(t *testing.T) {
	for _, v := range []string{"VAULT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "VAULT_CACERT", "VAULT_CAPATH", "VAULT_SKIP_VERIFY",
		"VAULT_TLS_SERVER_NAME", "VAULT_CLIENT_CERT", "VAULT_CLIENT_KEY", "VAULT_MAX_RETRIES"} {
		t.Setenv(v, "")
	}
	t.Setenv("HOME", t.TempDir())
}

func TestMissingAddressAndTokenIsOneClearError(t *testing.T) {
	isolateEnv(t)
	err := configure(t, map[string]any{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs a Vault address and a token")
	assert.Contains(t, err.Error(), "VAULT_ADDR")
}

func TestConfigFallsBackToEnvironmentAndTokenFile(t *testing.T) {
	isolateEnv(t)
	t.Setenv("VAULT_ADDR", vault.Addr)
	require.NoError(t, os.WriteFile(filepath.Join(os.Getenv("HOME"), ".vault-token"), []byte(vault.Token+"\n"), 0o600))
	h := newHarnessWith(t, map[string]any{})
	backend := vault.EnableAWSAuth(t)
	h.create(map[string]any{"backend": backend, "roleArn": "arn:aws:iam::1:role/env"})
	assert.Equal(t, "arn:aws:iam::1:role/env", inVault(t, backend)["role_arn"])
}

func TestBadProviderConfigIsRejected(t *testing.T) {
	isolateEnv(t)
	for name, c := range map[string]struct {
		args map[string]any
		says string
	}{
		"address not a URL":     {map[string]any{"address": "vault:8200", "token": "t"}, "absolute http(s) URL"},
		"unreadable CA file":    {map[string]any{"address": "https://127.0.0.1:1", "token": "t", "caCertFile": "/no/such/ca.pem"}, "caCertFile"},
		"negative maxRetries":   {map[string]any{"address": "https://127.0.0.1:1", "token": "t", "maxRetries": -1}, "maxRetries"},
		"missing token":         {map[string]any{"address": "https://127.0.0.1:1"}, "token"},
		"bad VAULT_SKIP_VERIFY": {map[string]any{"address": "https://127.0.0.1:1", "token": "t", "skipTlsVerify": nil}, "VAULT_SKIP_VERIFY"},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "bad VAULT_SKIP_VERIFY" {
				t.Setenv("VAULT_SKIP_VERIFY", "maybe")
				delete(c.args, "skipTlsVerify")
			}
			err := configure(t, c.args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.says)
			assert.NotContains(t, err.Error(), "\"t\"", "the token is never quoted")
		})
	}
}

func TestNewAddressOrTokenDoesNotReplaceResources(t *testing.T) {
	h := newHarness(t, nil)
	olds := props(map[string]any{"address": "http://127.0.0.1:1", "token": "old", "maxRetries": 1})
	news := props(map[string]any{"address": "http://127.0.0.1:2", "token": "new", "maxRetries": 3})
	resp, err := h.server.DiffConfig(p.DiffRequest{Urn: h.urn, State: olds, OldInputs: olds, Inputs: news})
	require.NoError(t, err)
	assert.True(t, resp.HasChanges)
	for name, d := range resp.DetailedDiff {
		assert.NotContains(t, []p.DiffKind{p.AddReplace, p.UpdateReplace, p.DeleteReplace}, d.Kind, name)
	}
}

func TestNewProviderNamespaceReplacesResources(t *testing.T) {
	h := newHarness(t, nil)
	olds := props(map[string]any{"address": "http://127.0.0.1:1", "token": "t"})
	news := props(map[string]any{"address": "http://127.0.0.1:1", "token": "t", "namespace": "team2"})
	resp, err := h.server.DiffConfig(p.DiffRequest{Urn: h.urn, State: olds, OldInputs: olds, Inputs: news})
	require.NoError(t, err)
	assert.Equal(t, map[string]p.DiffKind{"namespace": p.AddReplace}, changed(resp), "every resource moves to the new namespace")
}

func TestTokenLimitedToTheConfigPathIsEnough(t *testing.T) {
	backend := vault.EnableAWSAuth(t)
	token := vault.TokenWithPolicy(t, `path "auth/`+backend+`/config/client" { capabilities = ["create", "read", "update", "delete"] }`)
	h := newHarnessWith(t, map[string]any{"address": vault.Addr, "token": token})
	inputs := everyCommunityProperty(backend)
	id, state := h.create(inputs)
	inputs["stsRegion"] = "eu-central-1"
	inputs["stsEndpoint"] = "https://sts.eu-central-1.amazonaws.com"
	state = h.update(id, state, inputs)
	read, err := h.read(id, state, h.checked(inputs))
	require.NoError(t, err)
	require.NoError(t, h.delete(id, read.Properties))
	_, err = h.read(id, property.Map{}, property.Map{})
	require.Error(t, err, "after delete there is nothing to import")
}

func TestPermissionDeniedNamesPathAndCapability(t *testing.T) {
	backend := vault.EnableAWSAuth(t)
	token := vault.TokenWithPolicy(t, `path "auth/`+backend+`/config/client" { capabilities = ["read"] }`)
	h := newHarnessWith(t, map[string]any{"address": vault.Addr, "token": token})
	checked := h.checked(map[string]any{"backend": backend, "accessKey": "AKIADENIED", "secretKey": "denied-secret"})
	_, err := h.server.Create(p.CreateRequest{Urn: h.urn, Properties: checked})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"update" capability on "auth/`+backend+`/config/client"`)
	assert.NotContains(t, err.Error(), "denied-secret")
	assert.NotContains(t, err.Error(), token)
}
