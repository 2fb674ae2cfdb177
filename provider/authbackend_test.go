package provider

import (
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backendHarness drives AuthBackend the way harness drives AuthBackendClient.
func backendHarness(t *testing.T) *harness {
	h := newHarness(t, nil)
	h.urn = presource.NewURN("test", "proj", "", "vaultawsauth:index:AuthBackend", "mount")
	return h
}

// mountOf reads the aws auth mount at path straight from Vault, or nil.
func mountOf(t *testing.T, path string) map[string]any {
	t.Helper()
	mounts, err := vault.Client.Sys().ListAuth()
	require.NoError(t, err)
	m, ok := mounts[path+"/"]
	if !ok {
		return nil
	}
	return map[string]any{"type": m.Type, "description": m.Description, "accessor": m.Accessor,
		"default_lease_ttl": m.Config.DefaultLeaseTTL, "max_lease_ttl": m.Config.MaxLeaseTTL}
}

func TestAuthBackendLifecycle(t *testing.T) {
	h := backendHarness(t)
	path := "team-" + t.Name() + "/aws"
	inputs := map[string]any{"path": "/" + path + "/", "description": "logins from EC2", "defaultLeaseTtlSeconds": 3600}
	id, state := h.create(inputs)
	t.Cleanup(func() { _ = vault.Client.Sys().DisableAuth(path) })

	assert.Equal(t, "auth/"+path, id)
	mount := mountOf(t, path)
	require.NotNil(t, mount)
	assert.Equal(t, "aws", mount["type"])
	assert.Equal(t, "logins from EC2", mount["description"])
	assert.Equal(t, 3600, mount["default_lease_ttl"])
	assert.Equal(t, mount["accessor"], state.Get("accessor").AsString())
	assert.False(t, h.diff(id, state, inputs).HasChanges)

	inputs["description"] = "logins from EC2 and Lambda"
	inputs["maxLeaseTtlSeconds"] = 7200
	assert.Equal(t, map[string]p.DiffKind{"description": p.Update, "maxLeaseTtlSeconds": p.Update}, changed(h.diff(id, state, inputs)))
	state = h.update(id, state, inputs)
	assert.Equal(t, "logins from EC2 and Lambda", mountOf(t, path)["description"])
	assert.Equal(t, 7200, mountOf(t, path)["max_lease_ttl"])

	read, err := h.read(id, state, h.checked(inputs))
	require.NoError(t, err)
	assert.False(t, h.diff(id, read.Properties, inputs).HasChanges, "no diff after refresh")

	imported, err := h.read(id, property.Map{}, property.Map{})
	require.NoError(t, err)
	assert.Equal(t, path, imported.Inputs.Get("path").AsString())
	assert.False(t, h.diff(id, imported.Properties, inputs).HasChanges, "no diff after import")

	require.NoError(t, h.delete(id, state))
	assert.Nil(t, mountOf(t, path), "delete disables the auth method")
	read, err = h.read(id, state, h.checked(inputs))
	require.NoError(t, err)
	assert.Empty(t, read.ID, "a refresh after the mount is gone reports it gone")
	require.NoError(t, h.delete(id, state), "deleting a mount that is gone succeeds")
}

func TestAuthBackendChangingPathReplaces(t *testing.T) {
	h := backendHarness(t)
	path := vault.EnableAWSAuth(t)
	require.NoError(t, vault.Client.Sys().DisableAuth(path))
	id, state := h.create(map[string]any{"path": path})
	t.Cleanup(func() { _ = vault.Client.Sys().DisableAuth(path) })
	assert.Equal(t, map[string]p.DiffKind{"path": p.UpdateReplace}, changed(h.diff(id, state, map[string]any{"path": path + "-2"})))
}

func TestAuthBackendImportOfMissingOrForeignMountFails(t *testing.T) {
	h := backendHarness(t)
	_, err := h.read("auth/no-such-mount", property.Map{}, property.Map{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no AWS auth method is enabled at auth/no-such-mount")

	_, err = h.read("auth/token", property.Map{}, property.Map{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not aws")

	_, err = h.read("auth//x", property.Map{}, property.Map{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "import ID")
}

func TestAuthBackendCheckRejectsBadPaths(t *testing.T) {
	h := backendHarness(t)
	for path, says := range map[string]string{"a//b": "empty segments", "a/../b": "`..`", "": "must not be empty", "wö": "ASCII"} {
		resp := h.check(props(map[string]any{"path": path}))
		require.NotEmpty(t, resp.Failures, path)
		assert.Equal(t, "path", resp.Failures[0].Property)
		assert.Contains(t, resp.Failures[0].Reason, says)
	}
	resp := h.check(props(map[string]any{"maxLeaseTtlSeconds": -1}))
	require.NotEmpty(t, resp.Failures)
	assert.Equal(t, "maxLeaseTtlSeconds", resp.Failures[0].Property)
}

// TestTokenWithTheDocumentedPolicyRunsBothResources uses exactly the README's minimal policy.
func TestTokenWithTheDocumentedPolicyRunsBothResources(t *testing.T) {
	path := "least-privilege-" + vault.EnableAWSAuth(t)
	token := vault.TokenWithPolicy(t, `
path "auth/`+path+`/config/client"   { capabilities = ["create", "read", "update", "delete"] }
path "sys/auth/`+path+`"             { capabilities = ["create", "update", "delete", "sudo"] }
path "sys/mounts/auth/`+path+`"      { capabilities = ["read"] }
path "sys/mounts/auth/`+path+`/tune" { capabilities = ["update"] }`)
	config := map[string]any{"address": vault.Addr, "token": token}
	mounts := newHarnessWith(t, config)
	mounts.urn = backendHarness(t).urn
	clients := newHarnessWith(t, config)

	mountID, mountState := mounts.create(map[string]any{"path": path})
	t.Cleanup(func() { _ = vault.Client.Sys().DisableAuth(path) })
	mountState = mounts.update(mountID, mountState, map[string]any{"path": path, "description": "tuned"})
	_, err := mounts.read(mountID, mountState, property.Map{})
	require.NoError(t, err)

	inputs := everyCommunityProperty(path)
	id, state := clients.create(inputs)
	inputs["roleArn"] = "arn:aws:iam::123456789012:role/other"
	state = clients.update(id, state, inputs)
	_, err = clients.read(id, state, property.Map{})
	require.NoError(t, err)
	require.NoError(t, clients.delete(id, state))
	require.NoError(t, mounts.delete(mountID, mountState))
	assert.Nil(t, mountOf(t, path))
}
