package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vaultawsauth/pulumi-vaultawsauth/internal/vaulttest"
)

// TestTLS runs the provider against `vault server -dev-tls`, trusting its CA in each way a user
// can, and refusing a server whose CA it was not given.
func TestTLS(t *testing.T) {
	tlsVault, err := vaulttest.StartTLS()
	require.NoError(t, err)
	t.Cleanup(tlsVault.Stop)
	withServer := func(config map[string]any) map[string]any {
		config["address"], config["token"], config["maxRetries"] = tlsVault.Addr, tlsVault.Token, 0
		return config
	}
	configured := func(t *testing.T, h *harness) {
		t.Helper()
		backend := tlsVault.EnableAWSAuth(t)
		h.create(map[string]any{"backend": backend, "roleArn": "arn:aws:iam::1:role/tls"})
		secret, err := tlsVault.Client.Logical().Read("auth/" + backend + "/config/client")
		require.NoError(t, err)
		assert.Equal(t, "arn:aws:iam::1:role/tls", secret.Data["role_arn"])
	}

	t.Run("caCertFile", func(t *testing.T) {
		configured(t, newHarnessWith(t, withServer(map[string]any{"caCertFile": tlsVault.CACert})))
	})
	t.Run("VAULT_CACERT", func(t *testing.T) {
		t.Setenv("VAULT_CACERT", tlsVault.CACert)
		configured(t, newHarnessWith(t, withServer(map[string]any{})))
	})
	t.Run("caCertDir", func(t *testing.T) {
		dir := t.TempDir()
		pemBytes, err := os.ReadFile(tlsVault.CACert)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.pem"), pemBytes, 0o600))
		configured(t, newHarnessWith(t, withServer(map[string]any{"caCertDir": dir})))
	})
	t.Run("skipTlsVerify", func(t *testing.T) {
		configured(t, newHarnessWith(t, withServer(map[string]any{"skipTlsVerify": true})))
	})
	t.Run("wrong CA fails with a certificate error", func(t *testing.T) {
		h := newHarnessWith(t, withServer(map[string]any{"caCertFile": otherCA(t)}))
		backend := tlsVault.EnableAWSAuth(t)
		_, err := h.server.Create(h.createRequest(map[string]any{"backend": backend}, false))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "certificate")
	})
}

// otherCA writes the PEM of a CA that signed nothing Vault serves.
func otherCA(t *testing.T) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "not Vault's CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "other-ca.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return path
}
