package vaulttest_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vaultawsauth/pulumi-vaultawsauth/internal/vaulttest"
)

var vault *vaulttest.Server

func TestMain(m *testing.M) { vaulttest.RunMain(m, &vault) }

func authMounted(t *testing.T, path string) bool {
	t.Helper()
	mounts, err := vault.Client.Sys().ListAuth()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := mounts[path+"/"]
	return ok && m.Type == "aws"
}

func TestEnableAWSAuth(t *testing.T) {
	var path, nested string
	t.Run("mount", func(t *testing.T) {
		path = vault.EnableAWSAuth(t)
		nested = "team/" + path
		vault.EnableAWSAuthAt(t, nested)
		for _, p := range []string{path, nested} {
			if !authMounted(t, p) {
				t.Errorf("aws auth not mounted at %q", p)
			}
		}
	})
	for _, p := range []string{path, nested} {
		if authMounted(t, p) {
			t.Errorf("mount %q not removed on cleanup", p)
		}
	}
}

func TestTokenWithPolicy(t *testing.T) {
	token := vault.TokenWithPolicy(t, `path "sys/auth" { capabilities = ["read"] }`)
	c, err := vaulttest.NewClient(vault.Addr, token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sys().ListAuth(); err != nil {
		t.Errorf("read allowed by the policy failed: %v", err)
	}
	if _, err := c.Sys().ListPolicies(); !isStatus(err, http.StatusForbidden) {
		t.Errorf("read outside the policy: got %v, want 403", err)
	}
	info, err := vault.Client.Auth().Token().Lookup(token)
	if err != nil {
		t.Fatal(err)
	}
	if policies, _ := info.TokenPolicies(); len(policies) != 1 || !strings.HasPrefix(policies[0], "vaulttest-p") {
		t.Errorf("token policies = %v, want just the generated one", policies)
	}
}

func TestProxy(t *testing.T) {
	proxy := vaulttest.NewProxy(t, vault.Addr)
	c, err := vaulttest.NewClient(proxy.Addr, vault.Token)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("records and counts", func(t *testing.T) {
		proxy.Reset()
		mount := vault.EnableAWSAuth(t)
		if _, err := c.Logical().Read("auth/" + mount + "/config/client"); err != nil {
			t.Fatal(err)
		}
		want := vaulttest.Request{Method: http.MethodGet, Path: "/v1/auth/" + mount + "/config/client"}
		if got := proxy.Requests(); !slices.Equal(got, []vaulttest.Request{want}) {
			t.Errorf("Requests() = %v, want [%v]", got, want)
		}
		if n := proxy.Count(http.MethodGet, "/v1/auth/"+mount+"/"); n != 1 {
			t.Errorf("Count(GET) = %d, want 1", n)
		}
		if n := proxy.Count(http.MethodPost, "/v1/"); n != 0 {
			t.Errorf("Count(POST) = %d, want 0", n)
		}
	})

	t.Run("rewrites version", func(t *testing.T) {
		proxy.SetVersion("1.12.0+ent")
		defer proxy.SetVersion("")
		st, err := c.Sys().SealStatus()
		if err != nil {
			t.Fatal(err)
		}
		if st.Version != "1.12.0+ent" || st.Sealed {
			t.Errorf("seal-status through proxy: version %q sealed %v", st.Version, st.Sealed)
		}
	})

	t.Run("injects status", func(t *testing.T) {
		proxy.SetFault(func(r *http.Request) vaulttest.Fault {
			return vaulttest.Fault{Status: http.StatusServiceUnavailable, Body: `{"errors":["injected"]}`}
		})
		defer proxy.SetFault(nil)
		_, err := c.Sys().ListAuth()
		if !isStatus(err, http.StatusServiceUnavailable) || !strings.Contains(err.Error(), "injected") {
			t.Errorf("got %v, want injected 503", err)
		}
	})

	t.Run("resets connection", func(t *testing.T) {
		proxy.SetFault(func(*http.Request) vaulttest.Fault { return vaulttest.Fault{Reset: true} })
		defer proxy.SetFault(nil)
		if _, err := c.Sys().ListAuth(); err == nil {
			t.Error("request through a reset connection succeeded")
		}
	})

	t.Run("hangs until the client gives up", func(t *testing.T) {
		proxy.SetFault(func(*http.Request) vaulttest.Fault { return vaulttest.Fault{Hang: true} })
		defer proxy.SetFault(nil)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if _, err := c.Sys().ListAuthWithContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want deadline exceeded", err)
		}
	})
}

func isStatus(err error, code int) bool {
	var re *api.ResponseError
	return errors.As(err, &re) && re.StatusCode == code
}
