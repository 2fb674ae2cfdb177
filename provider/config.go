package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/vault/api"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Config is the provider's configuration. Keys match pulumi-vault's; each unset key falls back
// to the environment variable Vault's own CLI reads. The environment is read in Configure only,
// so its values never reach the state.
type Config struct {
	Address       *string     `pulumi:"address,optional"`
	Token         *string     `pulumi:"token,optional" provider:"secret"`
	Namespace     *string     `pulumi:"namespace,optional"`
	SkipTLSVerify *bool       `pulumi:"skipTlsVerify,optional"`
	CACertFile    *string     `pulumi:"caCertFile,optional"`
	CACertDir     *string     `pulumi:"caCertDir,optional"`
	TLSServerName *string     `pulumi:"tlsServerName,optional"`
	ClientAuth    *ClientAuth `pulumi:"clientAuth,optional"`
	MaxRetries    *int        `pulumi:"maxRetries,optional"`
	Headers       []Header    `pulumi:"headers,optional"`

	vault *vaultClient
}

// ClientAuth is a client certificate for Vault's TLS listener.
type ClientAuth struct {
	CertFile string `pulumi:"certFile"`
	KeyFile  string `pulumi:"keyFile"`
}

// Header is an extra HTTP header sent with every request to Vault.
type Header struct {
	Name  string `pulumi:"name"`
	Value string `pulumi:"value" provider:"secret"`
}

func (c *Config) Annotate(a infer.Annotator) {
	a.Describe(&c.Address, "URL of the Vault server, e.g. `https://vault.example.com:8200`. Falls back to `VAULT_ADDR`.")
	a.Describe(&c.Token, "Vault token. Falls back to `VAULT_TOKEN`, then to the token helper file `~/.vault-token`. "+
		"Used as is: the provider creates no child token, so a token whose policy covers only the managed paths is enough.")
	a.Describe(&c.Namespace, "Vault Enterprise namespace that every request is relative to; changing it replaces every resource, which moves with it. Falls back to `VAULT_NAMESPACE`.")
	a.Describe(&c.SkipTLSVerify, "Do not verify Vault's TLS certificate. Insecure: use only for testing. Falls back to `VAULT_SKIP_VERIFY`.")
	a.Describe(&c.CACertFile, "PEM file of the CA that signed Vault's certificate. Falls back to `VAULT_CACERT`.")
	a.Describe(&c.CACertDir, "Directory of PEM CA certificates. Falls back to `VAULT_CAPATH`.")
	a.Describe(&c.TLSServerName, "Name to expect in Vault's certificate (SNI). Falls back to `VAULT_TLS_SERVER_NAME`.")
	a.Describe(&c.ClientAuth, "Client certificate for TLS client authentication. Falls back to `VAULT_CLIENT_CERT` and `VAULT_CLIENT_KEY`.")
	a.Describe(&c.MaxRetries, "How often a request that failed with a 5xx status or a connection error is retried, with backoff. Falls back to `VAULT_MAX_RETRIES`, then 2.")
	a.Describe(&c.Headers, "Extra HTTP headers sent with every request to Vault.")
}

func (c *ClientAuth) Annotate(a infer.Annotator) {
	a.Describe(&c.CertFile, "PEM file of the client certificate.")
	a.Describe(&c.KeyFile, "PEM file of the client certificate's private key.")
}

func (h *Header) Annotate(a infer.Annotator) {
	a.Describe(&h.Name, "Header name.")
	a.Describe(&h.Value, "Header value.")
}

func configFrom(ctx context.Context) Config { return infer.GetConfig[Config](ctx) }

// Configure resolves every setting (config, then environment) and builds the Vault client.
// It makes no request: a preview that needs nothing from Vault never calls it.
func (c *Config) Configure(ctx context.Context) error {
	settings, err := c.resolve()
	if err != nil {
		return err
	}
	if settings.Insecure {
		p.GetLogger(ctx).Warning("skipTlsVerify is set: Vault's TLS certificate is not verified, so anyone on the network path can read the token and AWS keys")
	}
	c.vault, err = newVaultClient(settings)
	return err
}

// connection is the resolved configuration.
type connection struct {
	api.TLSConfig
	Address    string
	Token      string
	Namespace  string
	MaxRetries int
	Headers    http.Header
}

func (c *Config) resolve() (connection, error) {
	conn := connection{
		Address:   pick(c.Address, "VAULT_ADDR"),
		Token:     pick(c.Token, "VAULT_TOKEN"),
		Namespace: strings.Trim(pick(c.Namespace, "VAULT_NAMESPACE"), "/"),
		Headers:   http.Header{},
	}
	conn.CACert = pick(c.CACertFile, "VAULT_CACERT")
	conn.CAPath = pick(c.CACertDir, "VAULT_CAPATH")
	conn.TLSServerName = pick(c.TLSServerName, "VAULT_TLS_SERVER_NAME")
	if c.ClientAuth != nil {
		conn.ClientCert, conn.ClientKey = c.ClientAuth.CertFile, c.ClientAuth.KeyFile
	} else {
		conn.ClientCert, conn.ClientKey = os.Getenv("VAULT_CLIENT_CERT"), os.Getenv("VAULT_CLIENT_KEY")
	}
	for _, h := range c.Headers {
		conn.Headers.Add(h.Name, h.Value)
	}

	var problems []error
	if conn.Token == "" {
		conn.Token = tokenHelperFile()
	}
	insecure, err := pickParsed(boolString(c.SkipTLSVerify), "VAULT_SKIP_VERIFY", strconv.ParseBool)
	conn.Insecure = insecure
	problems = append(problems, err)
	conn.MaxRetries, err = pickParsed(intString(c.MaxRetries), "VAULT_MAX_RETRIES", strconv.Atoi)
	if c.MaxRetries == nil && os.Getenv("VAULT_MAX_RETRIES") == "" {
		conn.MaxRetries = 2
	}
	problems = append(problems, err)

	if conn.Address == "" || conn.Token == "" {
		problems = append(problems, errors.New("vaultawsauth needs a Vault address and a token: set `vaultawsauth:address` "+
			"(or VAULT_ADDR) and `vaultawsauth:token` (or VAULT_TOKEN, or run `vault login`, which writes ~/.vault-token)"))
	} else if u, err := url.Parse(conn.Address); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Errorf("address %q must be an absolute http(s) URL such as `https://vault.example.com:8200`", conn.Address))
	}
	if conn.MaxRetries < 0 {
		problems = append(problems, fmt.Errorf("maxRetries must be 0 or more, got %d", conn.MaxRetries))
	}
	for name, file := range map[string]string{"caCertFile": conn.CACert, "caCertDir": conn.CAPath, "clientAuth.certFile": conn.ClientCert, "clientAuth.keyFile": conn.ClientKey} {
		if _, err := os.Stat(file); file != "" && err != nil {
			problems = append(problems, fmt.Errorf("%s: cannot read %q: %w", name, file, errors.Unwrap(err)))
		}
	}
	return conn, errors.Join(problems...)
}

func newVaultClient(conn connection) (*vaultClient, error) {
	cfg := api.DefaultConfig()
	cfg.Address = conn.Address
	cfg.MaxRetries = conn.MaxRetries
	// A standby answers 307 (to the active node) only when it cannot forward a request, as
	// during a failover. Following it would aim every retry at a node that may be dead; retrying
	// the configured address reaches whichever node is active by then.
	cfg.DisableRedirects = true
	cfg.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if err == nil && resp.StatusCode == http.StatusTemporaryRedirect {
			return true, nil
		}
		return api.DefaultRetryPolicy(ctx, resp, err)
	}
	if err := cfg.ConfigureTLS(&conn.TLSConfig); err != nil {
		return nil, fmt.Errorf("TLS settings: %w", err)
	}
	client, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the Vault client: %w", err)
	}
	client.SetToken(conn.Token)
	client.ClearNamespace() // set per request, relative to conn.Namespace
	client.SetHeaders(conn.Headers)
	return &vaultClient{api: client, namespace: conn.Namespace, secrets: []string{conn.Token}}, nil
}

// pick is the config value if set, else the environment variable's.
func pick(value *string, env string) string {
	if value != nil && *value != "" {
		return *value
	}
	return os.Getenv(env)
}

func pickParsed[T any](value *string, env string, parse func(string) (T, error)) (T, error) {
	var zero T
	s := pick(value, env)
	if s == "" {
		return zero, nil
	}
	v, err := parse(s)
	if err != nil {
		return zero, fmt.Errorf("%s=%q is not valid: %w", env, s, err)
	}
	return v, nil
}

func boolString(b *bool) *string {
	if b == nil {
		return nil
	}
	s := strconv.FormatBool(*b)
	return &s
}

func intString(i *int) *string {
	if i == nil {
		return nil
	}
	s := strconv.Itoa(*i)
	return &s
}

// tokenHelperFile is the token `vault login` stores, or "".
func tokenHelperFile() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(home, ".vault-token"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
