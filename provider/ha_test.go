package provider

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	p "github.com/pulumi/pulumi-go-provider"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vaultawsauth/pulumi-vaultawsauth/internal/vaulttest"
)

// haInputs are the inputs of the i-th client config: distinct values per mount, so a config
// written to the wrong mount, or lost, shows.
func haInputs(backend string, i int) map[string]any {
	return map[string]any{
		"backend":                backend,
		"accessKey":              fmt.Sprintf("AKIAHA%02d", i),
		"secretKey":              fmt.Sprintf("ha-secret-%02d", i),
		"stsEndpoint":            "https://sts.eu-west-1.amazonaws.com",
		"stsRegion":              "eu-west-1",
		"iamServerIdHeaderValue": fmt.Sprintf("vault-%02d.example.com", i),
		"roleArn":                fmt.Sprintf("arn:aws:iam::%012d:role/ha", i),
	}
}

// TestFailoverDuringManyCreatesConverges runs an `up` of 20 configs against a standby of a
// 3-node HA cluster and kills the active node while the creates are in flight. Each create
// either succeeds or fails saying which Vault path failed; once a standby has taken over, the
// next `up` (create what failed, refresh what did not) leaves every config exactly as asked.
func TestFailoverDuringManyCreatesConverges(t *testing.T) {
	start := time.Now()
	cluster := vaulttest.StartCluster(t, 3)
	active := cluster.WaitForActive(t)
	standby := (active + 1) % 3 // survives: only the active node is killed
	t.Logf("cluster up in %v: node %d active, provider pointed at standby %d", time.Since(start).Round(time.Millisecond), active, standby)

	const count = 20
	backends := make([]string, count)
	for i := range backends {
		backends[i] = fmt.Sprintf("ha-aws-%02d", i)
		require.NoError(t, cluster.Client(active).Sys().EnableAuthWithOptions(backends[i], &api.EnableAuthOptions{Type: "aws"}))
	}
	inVaultAt := func(node int, backend string) map[string]any {
		t.Helper()
		secret, err := cluster.Client(node).Logical().Read("auth/" + backend + "/config/client")
		require.NoError(t, err)
		if secret == nil {
			return nil
		}
		return secret.Data
	}
	holds := func(node, i int) bool {
		t.Helper()
		got, want := inVaultAt(node, backends[i]), haInputs(backends[i], i)
		return assert.NotNil(t, got, "config of %s lost", backends[i]) &&
			assert.Equal(t, want["accessKey"], got["access_key"], backends[i]) &&
			assert.Equal(t, want["stsEndpoint"], got["sts_endpoint"], backends[i]) &&
			assert.Equal(t, want["stsRegion"], got["sts_region"], backends[i]) &&
			assert.Equal(t, want["iamServerIdHeaderValue"], got["iam_server_id_header_value"], backends[i]) &&
			assert.Equal(t, want["roleArn"], got["role_arn"], backends[i])
	}

	config := map[string]any{"address": cluster.Nodes[standby], "token": cluster.RootToken}
	h := newHarnessWith(t, config)

	// The standby forwards a write to the active node: it lands there.
	forwarded := "ha-forwarded"
	require.NoError(t, cluster.Client(active).Sys().EnableAuthWithOptions(forwarded, &api.EnableAuthOptions{Type: "aws"}))
	h.create(map[string]any{"backend": forwarded, "roleArn": "arn:aws:iam::1:role/forwarded"})
	assert.Equal(t, "arn:aws:iam::1:role/forwarded", inVaultAt(active, forwarded)["role_arn"])

	// `pulumi up`: the engine runs creates 4*GOMAXPROCS at a time (its default --parallel).
	// Requests are built here, as require must not run outside the test goroutine.
	requests := make([]p.CreateRequest, count)
	for i := range requests {
		requests[i] = h.createRequest(haInputs(backends[i], i), false)
		requests[i].Urn = presource.NewURN("test", "proj", "", clientToken, backends[i])
	}
	type outcome struct {
		resp      p.CreateResponse
		err       error
		afterKill bool // finished after the active node was dead
	}
	outcomes := make([]outcome, count)
	queue := make(chan int, count)
	for i := range count {
		queue <- i
	}
	close(queue)
	finished := make(chan int, count)
	var killed atomic.Bool
	var wg sync.WaitGroup
	upStart := time.Now()
	for range min(4*runtime.GOMAXPROCS(0), count) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queue {
				resp, err := h.server.Create(requests[i])
				outcomes[i] = outcome{resp: resp, err: err, afterKill: killed.Load()}
				finished <- i
			}
		}()
	}
	const beforeKill = 3
	for range beforeKill {
		<-finished
	}
	cluster.Kill(active)
	killed.Store(true)
	killedAt := time.Since(upStart)
	wg.Wait()
	upTook := time.Since(upStart)

	// Every create either succeeded or says clearly what failed, without leaking secrets.
	var failed, afterKill []int
	for i, o := range outcomes {
		if o.afterKill {
			afterKill = append(afterKill, i)
		}
		if o.err == nil {
			assert.Equal(t, clientID("", backends[i]), o.resp.ID)
			continue
		}
		failed = append(failed, i)
		msg := o.err.Error()
		t.Logf("create %s failed: %s", backends[i], msg)
		assert.NotEmpty(t, msg)
		assert.Contains(t, msg, "Vault")
		assert.Contains(t, msg, "auth/"+backends[i]+"/config/client")
		for _, secret := range []string{cluster.RootToken, fmt.Sprintf("ha-secret-%02d", i)} {
			assert.NotContains(t, msg, secret)
		}
	}
	t.Logf("up: active node killed %v in, after %d creates; %d creates finished after the kill; %d of %d failed; up took %v",
		killedAt.Round(time.Millisecond), beforeKill, len(afterKill), len(failed), count, upTook.Round(time.Millisecond))
	require.NotEmpty(t, afterKill, "the kill must land while creates are still running")

	// A standby takes over. Nothing a create reported as done may be lost in the failover.
	failoverStart := time.Now()
	newActive := cluster.WaitForActive(t)
	require.NotEqual(t, active, newActive)
	t.Logf("node %d active %v after the up finished", newActive, time.Since(failoverStart).Round(time.Millisecond))
	for i, o := range outcomes {
		if o.err == nil {
			holds(newActive, i)
		}
	}

	// The next `up`, through a surviving node: create again what failed; refresh what was
	// created and update it if it drifted (it must not have).
	next := newHarnessWith(t, config)
	for i, o := range outcomes {
		inputs := haInputs(backends[i], i)
		if o.err != nil {
			id, _ := next.create(inputs)
			assert.Equal(t, clientID("", backends[i]), id)
			continue
		}
		read, err := next.read(o.resp.ID, o.resp.Properties, next.checked(inputs))
		require.NoError(t, err)
		require.Equal(t, o.resp.ID, read.ID, "refresh finds %s gone", backends[i])
		if assert.False(t, next.diff(read.ID, read.Properties, inputs).HasChanges, "%s drifted", backends[i]) {
			continue
		}
		next.update(read.ID, read.Properties, inputs)
	}

	// Every mount holds exactly its own config, whichever node is asked.
	for node := range cluster.Nodes {
		if node == active {
			continue
		}
		for i := range backends {
			holds(node, i)
		}
	}
	assert.Equal(t, "arn:aws:iam::1:role/forwarded", inVaultAt(newActive, forwarded)["role_arn"])
	t.Logf("whole test %v", time.Since(start).Round(time.Millisecond))
}
