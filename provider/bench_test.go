package provider

import (
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/stretchr/testify/require"
)

// BenchmarkProviderOverhead runs one lifecycle (create, refresh, update, delete) through the
// provider (in-process, as the engine's gRPC calls arrive) and then the same Vault calls made directly with vault/api, alternating in one loop
// so both see the same machine load. It reports their ratio: 1.00 means the provider adds nothing.
func BenchmarkProviderOverhead(b *testing.B) {
	h := newHarness(b, nil)
	backend := vault.EnableAWSAuth(b)
	path := "auth/" + backend + "/config/client"
	changed := everyCommunityProperty(backend)
	changed["iamServerIdHeaderValue"] = "changed.example.com"
	// Check runs once per preview, not per CRUD call, so it stays out of the timed loop.
	create := h.createRequest(everyCommunityProperty(backend), false)
	update := p.UpdateRequest{Urn: h.urn, Inputs: h.checked(changed)}
	body := writeBody(nil, &ClientArgs{}, true) // the shape of a real write: every key
	logical := vault.Client.Logical()

	var viaProvider, direct time.Duration
	for b.Loop() {
		start := time.Now()
		created, err := h.server.Create(create)
		require.NoError(b, err)
		_, err = h.read(created.ID, created.Properties, create.Properties)
		require.NoError(b, err)
		update.ID, update.State = created.ID, created.Properties
		updated, err := h.server.Update(update)
		require.NoError(b, err)
		require.NoError(b, h.delete(created.ID, updated.Properties))
		viaProvider += time.Since(start)

		start = time.Now()
		for _, step := range []func() error{
			func() error { _, err := logical.Write(path, body); return err },
			func() error { _, err := logical.Read(path); return err },
			func() error { _, err := logical.Read(path); return err },
			func() error { _, err := logical.Write(path, body); return err },
			func() error { _, err := logical.Read(path); return err },
			func() error { _, err := logical.Delete(path); return err },
		} {
			require.NoError(b, step())
		}
		direct += time.Since(start)
	}
	b.ReportMetric(float64(viaProvider)/float64(direct), "provider/direct")
	b.ReportMetric(float64(viaProvider.Microseconds())/float64(b.N), "provider-µs/lifecycle")
	b.ReportMetric(float64(direct.Microseconds())/float64(b.N), "direct-µs/lifecycle")
}
