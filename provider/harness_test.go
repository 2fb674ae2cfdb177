package provider

import (
	"context"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/require"

	"github.com/vaultawsauth/pulumi-vaultawsauth/internal/vaulttest"
)

// vault is the dev server every test in this package talks to.
var vault *vaulttest.Server

func TestMain(m *testing.M) { vaulttest.RunMain(m, &vault) }

// harness drives the provider in-process, the way the engine does, against the dev server.
type harness struct {
	t      testing.TB
	server integration.Server
	urn    presource.URN
}

// newHarness configures a provider with the dev server's address and root token, with extra
// config merged over them.
func newHarness(t testing.TB, config map[string]any) *harness {
	t.Helper()
	args := map[string]any{"address": vault.Addr, "token": vault.Token}
	for k, v := range config {
		args[k] = v
	}
	return newHarnessWith(t, args)
}

// newHarnessWith configures a provider with exactly config.
func newHarnessWith(t testing.TB, config map[string]any) *harness {
	t.Helper()
	server := newServer(t)
	require.NoError(t, server.Configure(p.ConfigureRequest{Args: props(config)}))
	return &harness{t: t, server: server, urn: presource.NewURN("test", "proj", "", clientToken, "client")}
}

// newServer is an unconfigured provider served in-process.
func newServer(t testing.TB) integration.Server {
	t.Helper()
	prov, err := New()
	require.NoError(t, err)
	server, err := integration.NewServer(context.Background(), Name, semver.MustParse(Version), integration.WithProvider(prov))
	require.NoError(t, err)
	return server
}

// props builds a property map from plain Go values.
func props(m map[string]any) property.Map {
	return presource.FromResourcePropertyValue(presource.NewObjectProperty(presource.NewPropertyMapFromMap(m))).AsMap()
}

func (h *harness) check(inputs property.Map) p.CheckResponse {
	h.t.Helper()
	resp, err := h.server.Check(p.CheckRequest{Urn: h.urn, Inputs: inputs})
	require.NoError(h.t, err)
	return resp
}

// checked runs Check and requires it to pass.
func (h *harness) checked(inputs map[string]any) property.Map {
	h.t.Helper()
	resp := h.check(props(inputs))
	require.Empty(h.t, resp.Failures)
	return resp.Inputs
}

// create previews and then creates the resource, as `pulumi up` does.
func (h *harness) create(inputs map[string]any) (string, property.Map) {
	h.t.Helper()
	_, err := h.server.Create(h.createRequest(inputs, true))
	require.NoError(h.t, err)
	resp, err := h.server.Create(h.createRequest(inputs, false))
	require.NoError(h.t, err)
	return resp.ID, resp.Properties
}

// createRequest is the engine's Create of the checked inputs; dryRun is a preview.
func (h *harness) createRequest(inputs map[string]any, dryRun bool) p.CreateRequest {
	h.t.Helper()
	return p.CreateRequest{Urn: h.urn, Properties: h.checked(inputs), DryRun: dryRun}
}

func (h *harness) diff(id string, state property.Map, inputs map[string]any) p.DiffResponse {
	h.t.Helper()
	resp, err := h.server.Diff(p.DiffRequest{ID: id, Urn: h.urn, State: state, Inputs: h.checked(inputs)})
	require.NoError(h.t, err)
	return resp
}

func (h *harness) update(id string, state property.Map, inputs map[string]any) property.Map {
	h.t.Helper()
	resp, err := h.server.Update(p.UpdateRequest{ID: id, Urn: h.urn, State: state, Inputs: h.checked(inputs)})
	require.NoError(h.t, err)
	return resp.Properties
}

func (h *harness) read(id string, state, inputs property.Map) (p.ReadResponse, error) {
	return h.server.Read(p.ReadRequest{ID: id, Urn: h.urn, Properties: state, Inputs: inputs})
}

func (h *harness) delete(id string, state property.Map) error {
	return h.server.Delete(p.DeleteRequest{ID: id, Urn: h.urn, Properties: state})
}

// changed lists the properties a diff reports, with their kinds.
func changed(d p.DiffResponse) map[string]p.DiffKind {
	out := map[string]p.DiffKind{}
	for k, v := range d.DetailedDiff {
		out[k] = v.Kind
	}
	return out
}

// inVault reads the config straight from Vault with the root token.
func inVault(t *testing.T, backend string) map[string]any {
	t.Helper()
	secret, err := vault.Client.Logical().Read("auth/" + backend + "/config/client")
	require.NoError(t, err)
	if secret == nil {
		return nil
	}
	return secret.Data
}
