package provider

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vaultawsauth/pulumi-vaultawsauth/internal/vaulttest"
)

// Faults a real server shows on demand (down, sealed, refusing) are made real; 5xx, resets,
// hangs and errors echoing request data come from a proxy in front of the real server. After each
// fault, a healthy run converges: nothing half-written survives.

// nothingListening is the address of a port nobody listens on.
func nothingListening(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, l.Close())
	return "http://" + l.Addr().String()
}

func TestVaultNotListening(t *testing.T) {
	h := newHarness(t, map[string]any{"address": nothingListening(t), "maxRetries": 0})
	backend := vault.EnableAWSAuth(t)
	inputs := map[string]any{"backend": backend, "roleArn": "arn:aws:iam::1:role/r"}
	_, err := h.server.Create(h.createRequest(inputs, true))
	require.NoError(t, err, "a preview that needs nothing from Vault works while it is down")
	_, err = h.server.Create(h.createRequest(inputs, false))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach Vault for PUT auth/"+backend+"/config/client")

	newHarness(t, nil).create(inputs)
	assert.Equal(t, "arn:aws:iam::1:role/r", inVault(t, backend)["role_arn"], "a later run converges")
}

func TestSealedVaultSaysSo(t *testing.T) {
	sealed, err := vaulttest.Start()
	require.NoError(t, err)
	t.Cleanup(sealed.Stop)
	backend := sealed.EnableAWSAuth(t)
	require.NoError(t, sealed.Client.Sys().Seal())

	h := newHarnessWith(t, map[string]any{"address": sealed.Addr, "token": sealed.Token, "maxRetries": 0})
	inputs := map[string]any{"backend": backend, "roleArn": "arn:aws:iam::1:role/unsealed"}
	_, err = h.server.Create(h.createRequest(inputs, false))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Vault is sealed")
	assert.NotContains(t, err.Error(), sealed.Token)

	require.NoError(t, sealed.Unseal())
	h.create(inputs)
	secret, err := sealed.Client.Logical().Read("auth/" + backend + "/config/client")
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:iam::1:role/unsealed", secret.Data["role_arn"], "once unsealed, the next run converges")
}

func TestServerErrorsAreRetried(t *testing.T) {
	proxy := vaulttest.NewProxy(t, vault.Addr)
	var failures atomic.Int32
	proxy.SetFault(func(r *http.Request) vaulttest.Fault {
		switch failures.Add(1) {
		case 1:
			return vaulttest.Fault{Status: http.StatusBadGateway, Body: `{"errors":["upstream went away"]}`}
		case 2:
			return vaulttest.Fault{Reset: true}
		}
		return vaulttest.Fault{}
	})
	h := newHarness(t, map[string]any{"address": proxy.Addr, "maxRetries": 2})
	backend := vault.EnableAWSAuth(t)
	h.create(map[string]any{"backend": backend, "roleArn": "arn:aws:iam::1:role/retried"})
	assert.Equal(t, "arn:aws:iam::1:role/retried", inVault(t, backend)["role_arn"])
	assert.Equal(t, 4, len(proxy.Requests()), "two failed attempts, then the write and the read")
}

func TestPersistentServerErrorIsReportedAfterRetries(t *testing.T) {
	proxy := vaulttest.NewProxy(t, vault.Addr)
	proxy.SetFault(func(*http.Request) vaulttest.Fault {
		return vaulttest.Fault{Status: http.StatusInternalServerError, Body: `{"errors":["storage unavailable"]}`}
	})
	h := newHarness(t, map[string]any{"address": proxy.Addr, "maxRetries": 1})
	backend := vault.EnableAWSAuth(t)
	_, err := h.server.Create(h.createRequest(map[string]any{"backend": backend}, false))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "storage unavailable")
	assert.Equal(t, 2, len(proxy.Requests()), "one try and one retry")
	assert.Nil(t, inVault(t, backend))
}

func TestHangingRequestIsBoundedByTimeout(t *testing.T) {
	t.Setenv("VAULT_CLIENT_TIMEOUT", "1s")
	proxy := vaulttest.NewProxy(t, vault.Addr)
	proxy.SetFault(func(*http.Request) vaulttest.Fault { return vaulttest.Fault{Hang: true} })
	h := newHarness(t, map[string]any{"address": proxy.Addr, "maxRetries": 0})
	_, err := h.server.Create(h.createRequest(map[string]any{"backend": vault.EnableAWSAuth(t)}, false))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach Vault")
}

func TestVaultErrorEchoingSecretsIsScrubbed(t *testing.T) {
	proxy := vaulttest.NewProxy(t, vault.Addr)
	proxy.SetFault(func(r *http.Request) vaulttest.Fault {
		if r.Method != http.MethodPut {
			return vaulttest.Fault{}
		}
		return vaulttest.Fault{Status: http.StatusBadRequest, Body: fmt.Sprintf(
			`{"errors":["invalid request: access_key=AKIAECHOED secret_key=echoed-secret token=%s"]}`, vault.Token)}
	})
	h := newHarness(t, map[string]any{"address": proxy.Addr})
	_, err := h.server.Create(h.createRequest(map[string]any{"backend": vault.EnableAWSAuth(t), "accessKey": "AKIAECHOED", "secretKey": "echoed-secret"}, false))
	require.Error(t, err)
	for _, secret := range []string{"AKIAECHOED", "echoed-secret", vault.Token} {
		assert.NotContains(t, err.Error(), secret)
	}
	assert.Equal(t, 3, strings.Count(err.Error(), "[secret]"), err.Error())
}

func TestStandbyThatCannotReachTheActiveNodeIsRetriedThenReported(t *testing.T) {
	proxy := vaulttest.NewProxy(t, vault.Addr)
	var redirects atomic.Int32
	proxy.SetFault(func(r *http.Request) vaulttest.Fault {
		if redirects.Add(1) > 3 {
			return vaulttest.Fault{}
		}
		// What a standby answers while its active node is gone: a redirect to that dead node.
		return vaulttest.Fault{Status: http.StatusTemporaryRedirect, Location: "http://127.0.0.1:1" + r.URL.Path}
	})
	h := newHarness(t, map[string]any{"address": proxy.Addr, "maxRetries": 1})
	backend := vault.EnableAWSAuth(t)
	_, err := h.server.Create(h.createRequest(map[string]any{"backend": backend}, false))
	require.Error(t, err, "two redirects use up the retries")
	assert.Contains(t, err.Error(), "standby that cannot reach the active node")

	h.create(map[string]any{"backend": backend, "roleArn": "arn:aws:iam::1:role/after-failover"})
	assert.Equal(t, "arn:aws:iam::1:role/after-failover", inVault(t, backend)["role_arn"], "redirects are retried at the configured address, not followed")
}

func TestVaultNotListeningDuringPreviewOfAGatedProperty(t *testing.T) {
	h := newHarness(t, map[string]any{"address": nothingListening(t), "maxRetries": 0})
	_, err := h.server.Create(h.createRequest(map[string]any{"backend": "aws", "useStsRegionFromClient": true}, true))
	require.Error(t, err, "the version check needs Vault, so the preview says it cannot reach it")
	assert.Contains(t, err.Error(), "cannot read Vault's version from sys/seal-status")
}

func TestRevokedTokenNamesThePath(t *testing.T) {
	backend := vault.EnableAWSAuth(t)
	token := vault.TokenWithPolicy(t, `path "auth/`+backend+`/config/client" { capabilities = ["create", "read", "update", "delete"] }`)
	h := newHarnessWith(t, map[string]any{"address": vault.Addr, "token": token})
	id, state := h.create(map[string]any{"backend": backend})
	require.NoError(t, vault.Client.Auth().Token().RevokeOrphan(token))

	_, err := h.read(id, state, property.Map{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Vault denied GET auth/`+backend+`/config/client (403`)
	assert.NotContains(t, err.Error(), token)
}
