package tests

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/vaultawsauth/pulumi-vaultawsauth/internal/vaulttest"
	"github.com/vaultawsauth/pulumi-vaultawsauth/sdk/go/vaultawsauth"
)

// TestSkipTLSVerifyWorksAndIsWarned runs an up against `vault server -dev-tls` without its CA:
// skipTlsVerify lets it through, and the user sees a warning saying what that costs.
func TestSkipTLSVerifyWorksAndIsWarned(t *testing.T) {
	t.Parallel()
	tlsVault, err := vaulttest.StartTLS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tlsVault.Stop)
	mount := tlsVault.EnableAWSAuth(t)
	d := &goDriver{env: newStackEnv(t), project: "skip-tls-verify", program: func(ctx *pulumi.Context) error {
		_, err := vaultawsauth.NewAuthBackendClient(ctx, "client", &vaultawsauth.AuthBackendClientArgs{
			Backend: pulumi.String(mount),
			RoleArn: pulumi.String("arn:aws:iam::123456789012:role/tls"),
		})
		return err
	}}
	cfg := stackConfig{
		"vaultawsauth:address":       {Value: tlsVault.Addr},
		"vaultawsauth:token":         {Value: tlsVault.Token, Secret: true},
		"vaultawsauth:skipTlsVerify": {Value: "true"},
	}
	res := d.run(t, "up", cfg)
	assertChanges(t, "up", res, map[string]int{"create": 2})
	if !strings.Contains(res.Stdout, "skipTlsVerify is set") {
		t.Errorf("no warning about skipTlsVerify in the output:\n%s", res.Stdout)
	}
	secret, err := tlsVault.Client.Logical().Read("auth/" + mount + "/config/client")
	if err != nil || secret == nil || secret.Data["role_arn"] != "arn:aws:iam::123456789012:role/tls" {
		t.Errorf("config not written over TLS: %v, %v", secret, err)
	}
	assertChanges(t, "destroy", d.run(t, "destroy", cfg), map[string]int{"delete": 2})
}
