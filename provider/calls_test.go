package provider

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vaultawsauth/pulumi-vaultawsauth/internal/vaulttest"
)

// The physical limit is one Vault call per write and one per read; these tests pin the provider
// to it by counting every request through a proxy in front of the real server.

func TestVaultCallsPerOperation(t *testing.T) {
	proxy := vaulttest.NewProxy(t, vault.Addr)
	h := newHarness(t, map[string]any{"address": proxy.Addr})
	inputs := everyCommunityProperty(vault.EnableAWSAuth(t))
	delete(inputs, "useStsRegionFromClient") // gated: its probe is counted on its own below
	assert.Empty(t, proxy.Requests(), "Configure makes no call")

	calls := func(what string, want int, op func()) {
		t.Helper()
		proxy.Reset()
		op()
		assert.Len(t, proxy.Requests(), want, "%s: %v", what, proxy.Requests())
	}
	var id string
	var state property.Map
	calls("create (preview and apply)", 2, func() { id, state = h.create(inputs) })
	calls("preview of an unchanged stack", 0, func() { assert.False(t, h.diff(id, state, inputs).HasChanges) })
	inputs["iamServerIdHeaderValue"] = "changed.example.com"
	calls("update", 2, func() { state = h.update(id, state, inputs) })
	calls("refresh", 1, func() {
		_, err := h.read(id, state, h.checked(inputs))
		require.NoError(t, err)
	})
	calls("import", 1, func() {
		_, err := h.read(id, property.Map{}, property.Map{})
		require.NoError(t, err)
	})
	calls("delete", 1, func() { require.NoError(t, h.delete(id, state)) })
}

func TestVersionProbeHappensOncePerProcessAndOnlyForGatedProperties(t *testing.T) {
	proxy := vaulttest.NewProxy(t, vault.Addr)
	h := newHarness(t, map[string]any{"address": proxy.Addr})

	h.create(map[string]any{"backend": vault.EnableAWSAuth(t)})
	assert.Zero(t, proxy.Count("GET", "/v1/sys/seal-status"), "no gated property, no probe")

	for range 3 {
		h.create(map[string]any{"backend": vault.EnableAWSAuth(t), "useStsRegionFromClient": true})
	}
	assert.Equal(t, 1, proxy.Count("GET", "/v1/sys/seal-status"), "one probe per provider process")
	assert.Zero(t, proxy.Count("", "/v1/auth/token/"), "no token lookup and no child token, ever")
}

func TestGatedPropertyFailsOnOlderVault(t *testing.T) {
	proxy := vaulttest.NewProxy(t, vault.Addr)
	proxy.SetVersion("1.14.8")
	h := newHarness(t, map[string]any{"address": proxy.Addr})
	backend := vault.EnableAWSAuth(t)
	_, err := h.server.Create(h.createRequest(map[string]any{"backend": backend, "useStsRegionFromClient": true}, false))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "useStsRegionFromClient needs Vault 1.15.0 or later, but the server is 1.14.8")
	assert.Nil(t, inVault(t, backend), "nothing is written")
}
