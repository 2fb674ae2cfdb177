package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/vault/api"
)

// vaultClient is the only code that speaks HTTP to Vault. It makes exactly the calls asked
// for: no token lookup, no child token, and the version probe at most once per process.
type vaultClient struct {
	api       *api.Client
	namespace string   // the provider's namespace; resource namespaces are relative to it
	secrets   []string // values never to be repeated in an error, such as the token

	probe  sync.Mutex
	server *serverInfo // nil until probed
}

type serverInfo struct {
	version    *version.Version
	enterprise bool
	raw        string
}

// fullNamespace joins the provider's namespace and a resource's.
func (c *vaultClient) fullNamespace(namespace string) string {
	return strings.Trim(c.namespace+"/"+namespace, "/")
}

// read returns the data at path, or nil when there is nothing there (no config, or no mount).
func (c *vaultClient) read(ctx context.Context, namespace, path string) (map[string]any, error) {
	resp, err := c.do(ctx, http.MethodGet, namespace, path, nil)
	if resp == nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	secret, err := api.ParseSecret(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading %s: Vault's answer is not valid JSON: %w", path, err)
	}
	if secret == nil || secret.Data == nil {
		return nil, nil
	}
	return secret.Data, nil
}

// readMount returns the settings of the mount at path (`sys/mounts/<path>`), or nil if none.
func (c *vaultClient) readMount(ctx context.Context, namespace, path string) (map[string]any, error) {
	data, err := c.read(ctx, namespace, "sys/mounts/"+path)
	if err != nil && strings.Contains(err.Error(), "No secret engine mount at") {
		return nil, nil
	}
	return data, err
}

// write sends body to path; values of secret keys in body are scrubbed from any error.
func (c *vaultClient) write(ctx context.Context, namespace, path string, body map[string]any) error {
	resp, err := c.do(ctx, http.MethodPut, namespace, path, body)
	if resp != nil {
		resp.Body.Close()
	}
	return c.scrub(err, bodySecrets(body)...)
}

// delete removes path; a missing config or mount is already deleted.
func (c *vaultClient) delete(ctx context.Context, namespace, path string) error {
	resp, err := c.do(ctx, http.MethodDelete, namespace, path, nil)
	if resp != nil {
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return nil
		}
	}
	return err
}

func (c *vaultClient) do(ctx context.Context, method, namespace, path string, body map[string]any) (*api.Response, error) {
	req := c.api.NewRequest(method, "/v1/"+path)
	if ns := c.fullNamespace(namespace); ns != "" {
		req.Headers.Set(api.NamespaceHeaderName, ns)
	} else {
		req.Headers.Del(api.NamespaceHeaderName)
	}
	if body != nil {
		if err := req.SetJSONBody(body); err != nil {
			return nil, err
		}
	}
	//nolint:staticcheck // RawRequestWithContext is the one call that returns the status of a 404.
	resp, err := c.api.RawRequestWithContext(ctx, req)
	if err == nil && resp.StatusCode >= 300 {
		err = fmt.Errorf("Vault at %s answered %s, to %q, after every retry: it is a standby that cannot reach "+
			"the active node (a failover?); run again once the cluster has a leader", c.api.Address(), resp.Status, resp.Header.Get("Location"))
	}
	if err == nil || resp != nil && resp.StatusCode == http.StatusNotFound {
		return resp, nil
	}
	return resp, c.scrub(describe(err, method, namespace, path))
}

// describe turns a failed request into an error that says what to do about it.
func describe(err error, method, namespace, path string) error {
	where := path
	if namespace != "" {
		where = path + " in namespace " + namespace
	}
	var resp *api.ResponseError
	if !errors.As(err, &resp) {
		return fmt.Errorf("cannot reach Vault for %s %s: %w", method, where, err)
	}
	detail := strings.Join(resp.Errors, "; ")
	switch {
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("Vault denied %s %s (403 %s): the token needs the %q capability on %q",
			method, where, detail, capability(method), path)
	case resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(detail, "sealed"):
		return fmt.Errorf("Vault is sealed, so %s %s failed: unseal it and run again", method, where)
	default:
		return fmt.Errorf("Vault refused %s %s (%d): %s", method, where, resp.StatusCode, detail)
	}
}

func capability(method string) string {
	switch method {
	case http.MethodGet:
		return "read"
	case http.MethodDelete:
		return "delete"
	default:
		return "update"
	}
}

// scrub replaces every secret value in err's text, since Vault errors may echo request data.
func (c *vaultClient) scrub(err error, extra ...string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	for _, s := range append(extra, c.secrets...) {
		if s != "" {
			text = strings.ReplaceAll(text, s, "[secret]")
		}
	}
	if text == err.Error() {
		return err
	}
	return errors.New(text)
}

func bodySecrets(body map[string]any) []string {
	var secrets []string
	for _, f := range clientFields {
		if s, ok := body[f.vaultKey].(string); ok && f.secret {
			secrets = append(secrets, s)
		}
	}
	return secrets
}

// checkServerSupports fails when a namespace or the gated properties in needs ask more of the
// server than it is (a newer version, or Enterprise). It asks the server (unauthenticated
// `sys/seal-status`) only then, and only once per process.
func (c *vaultClient) checkServerSupports(ctx context.Context, namespace string, needs []field) error {
	namespace = c.fullNamespace(namespace)
	if len(needs) == 0 && namespace == "" {
		return nil
	}
	server, err := c.serverInfo(ctx)
	if err != nil {
		return err
	}
	if namespace != "" && !server.enterprise {
		return fmt.Errorf("namespace %q needs Vault Enterprise, but the server is Community Edition %s, "+
			"which ignores namespaces and would write to the root namespace; remove the namespace", namespace, server.raw)
	}
	for _, f := range needs {
		if f.minVersion != "" && server.version.LessThan(version.Must(version.NewVersion(f.minVersion))) {
			return fmt.Errorf("%s needs Vault %s or later, but the server is %s; upgrade Vault or remove %s",
				f.property, f.minVersion, server.raw, f.property)
		}
		if f.enterprise && !server.enterprise {
			return fmt.Errorf("%s needs Vault Enterprise %s or later, but the server is Community Edition %s; remove %s",
				f.property, f.minVersion, server.raw, f.property)
		}
	}
	return nil
}

func (c *vaultClient) serverInfo(ctx context.Context) (*serverInfo, error) {
	c.probe.Lock()
	defer c.probe.Unlock()
	if c.server != nil {
		return c.server, nil
	}
	status, err := c.api.Sys().SealStatusWithContext(ctx)
	if err != nil {
		return nil, c.scrub(fmt.Errorf("cannot read Vault's version from sys/seal-status: %w", err))
	}
	v, err := version.NewVersion(status.Version)
	if err != nil {
		return nil, fmt.Errorf("Vault reports version %q, which is not a version number", status.Version)
	}
	c.server = &serverInfo{version: v.Core(), enterprise: strings.Contains(v.Metadata(), "ent"), raw: status.Version}
	return c.server, nil
}

// vaultFrom returns the client the provider's Configure built.
func vaultFrom(ctx context.Context) *vaultClient {
	return configFrom(ctx).vault
}
