// Package vaulttest runs a real Vault dev server for tests and puts a
// fault-injecting, request-counting proxy in front of it when needed.
//
// Typical use, one server per test package:
//
//	var vault *vaulttest.Server
//
//	func TestMain(m *testing.M) { vaulttest.RunMain(m, &vault) }
//
//	func TestSomething(t *testing.T) {
//		mount := vault.EnableAWSAuth(t)
//		token := vault.TokenWithPolicy(t, `path "auth/`+mount+`/config/client" { capabilities = ["read"] }`)
//		...
//	}
package vaulttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// startTimeout bounds how long Start waits for the dev server to become
// active; a dev server normally needs a second or two, but CI boxes are slow.
const startTimeout = 60 * time.Second

// Server is a running Vault dev server (in-memory storage, unsealed, root
// token known). Tests in a package share it, so they must use unique paths:
// use EnableAWSAuth and TokenWithPolicy rather than fixed names.
type Server struct {
	Addr   string      // base URL, http://127.0.0.1:<port>
	Token  string      // root token
	Client *api.Client // root client; shared, so do not change its token, namespace or headers
	CACert string      // for a StartTLS server: the PEM file of the CA that signed its certificate

	cmd      *exec.Cmd
	dir      string        // temp dir holding HOME and the log; removed by Stop
	exited   chan struct{} // closed when the process has exited
	stopOnce sync.Once
}

// Binary finds the vault server binary: $VAULT_BIN if set, otherwise
// <repo root>/.tools/vault (see RepoRoot).
func Binary() (string, error) {
	if p := os.Getenv("VAULT_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("VAULT_BIN: %w", err)
		}
		return p, nil
	}
	return Tool("vault")
}

// Tool returns the path of a tool `make tools` builds into <repo root>/.tools.
func Tool(name string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, ".tools", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s not found at %s: run `make tools` to build it", name, p)
	}
	return p, nil
}

// RepoRoot is the nearest directory at or above the working directory that holds
// tools/vault/go.mod. (Tests run with the package directory as working directory.)
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", "vault", "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (no tools/vault/go.mod above the working directory); set VAULT_BIN to a vault binary")
		}
		dir = parent
	}
}

// errPortTaken marks a start that failed only because the port we picked was
// grabbed by someone else in the meantime; Start then retries on a new port.
var errPortTaken = errors.New("port already in use")

// Start runs `vault server -dev` on a free 127.0.0.1 port with a random root
// token and waits until it is unsealed and active. Call Stop when done.
func Start() (*Server, error) { return startRetrying(false) }

// StartTLS is Start with `-dev-tls`: the server listens on https with a certificate for
// 127.0.0.1 signed by a fresh CA, whose PEM file is CACert.
func StartTLS() (*Server, error) { return startRetrying(true) }

func startRetrying(tls bool) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		s, err := start(bin, tls)
		if err == nil || !errors.Is(err, errPortTaken) || attempt == 3 {
			return s, err
		}
	}
}

func start(bin string, tls bool) (*Server, error) {
	port, err := freePortPair()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vaulttest-")
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "vault.log")

	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	token := randomHex(16)
	args := []string{"server", "-dev",
		"-dev-listen-address=" + listen,
		"-dev-root-token-id=" + token,
		"-dev-no-store-token"} // never touch the developer's ~/.vault-token
	scheme, caCert := "http", ""
	if tls {
		args = append(args, "-dev-tls", "-dev-tls-cert-dir="+dir)
		scheme, caCert = "https", filepath.Join(dir, "vault-ca.pem")
	}
	cmd, exited, err := spawn(bin, dir, logPath, args...)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{Addr: scheme + "://" + listen, Token: token, CACert: caCert, cmd: cmd, dir: dir, exited: exited}

	if err = s.waitForFile(caCert); err == nil {
		s.Client, err = newClient(s.Addr, token, caCert)
	}
	if err == nil {
		err = s.waitActive()
	}
	if err != nil {
		logText, _ := os.ReadFile(logPath)
		if strings.Contains(string(logText), "address already in use") {
			err = fmt.Errorf("%w: %w", errPortTaken, err)
		}
		s.Stop()
		return nil, fmt.Errorf("vault dev server on %s: %w\n--- vault log (last lines) ---\n%s", listen, err, tail(string(logText), 30))
	}
	return s, nil
}

// spawn starts bin with args in its own process group (sysProcAttr), with
// dir as working directory and HOME and output to a new file at logPath.
// exited is closed once the process has exited.
func spawn(bin, dir, logPath string, args ...string) (cmd *exec.Cmd, exited chan struct{}, err error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, nil, err
	}
	defer logFile.Close() // the child has its own copy of the descriptor
	cmd = exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = serverEnv(dir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	return cmd, exited, nil
}

// stopGroup sends SIGTERM to cmd's process group, then SIGKILL if it has not
// exited after grace, and waits until it has.
func stopGroup(cmd *exec.Cmd, exited <-chan struct{}, grace time.Duration) {
	pgid := -cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-exited
	}
}

// poll calls f until it succeeds or startTimeout passes. It gives up early when gone (which
// may be nil) says why the server can no longer succeed, such as its process having exited.
func poll(what string, gone func() error, f func() error) error {
	deadline := time.Now().Add(startTimeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if gone != nil {
			if why := gone(); why != nil {
				return fmt.Errorf("%s: %w", what, why)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not done after %v: %w", what, startTimeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// gone says why the server can no longer answer, or nil while it runs.
func (s *Server) gone() error {
	select {
	case <-s.exited:
		return fmt.Errorf("vault exited (%v)", s.cmd.ProcessState)
	default:
		return nil
	}
}

// waitForFile waits until the server has written path ("" needs no wait).
func (s *Server) waitForFile(path string) error {
	if path == "" {
		return nil
	}
	return poll("waiting for "+path, s.gone, func() error { _, err := os.Stat(path); return err })
}

func (s *Server) waitActive() error {
	return poll("waiting for the server to be active", s.gone, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		h, err := s.Client.Sys().HealthWithContext(ctx)
		if err == nil && !(h.Initialized && !h.Sealed && !h.Standby) {
			err = fmt.Errorf("initialized %v, sealed %v, standby %v", h.Initialized, h.Sealed, h.Standby)
		}
		return err
	})
}

// Stop terminates the server (its whole process group) and removes its temp
// dir. It is safe to call more than once.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		stopGroup(s.cmd, s.exited, 10*time.Second)
		os.RemoveAll(s.dir)
	})
}

// RunMain is a TestMain body: it starts one server for the package, stores it
// in *srv, runs the tests, stops the server and exits. If the server cannot
// start it prints why and exits 1, so a missing binary is loud, not a skip.
func RunMain(m *testing.M, srv **Server) {
	s, err := Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "vaulttest: cannot start a Vault dev server for these tests:\n%v\n", err)
		os.Exit(1)
	}
	*srv = s
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

// NewClient returns a Vault client for addr using token. Unlike a plain
// api.NewClient, it ignores the developer's VAULT_NAMESPACE, VAULT_HEADERS and
// VAULT_TOKEN, and it never retries, so tests see each failure and request
// counts through a Proxy are exact.
func NewClient(addr, token string) (*api.Client, error) { return newClient(addr, token, "") }

func newClient(addr, token, caCert string) (*api.Client, error) {
	cfg := &api.Config{
		Address: addr,
		HttpClient: &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			// The api client follows Vault's redirects itself.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Timeout:    30 * time.Second,
		MaxRetries: 0,
	}
	if caCert != "" {
		if err := cfg.ConfigureTLS(&api.TLSConfig{CACert: caCert}); err != nil {
			return nil, err
		}
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	c.SetToken(token)
	c.ClearNamespace()
	c.SetHeaders(http.Header{api.RequestHeaderName: {"true"}})
	return c, nil
}

// seq makes generated names unique within the process; the random suffix
// keeps them unique across processes that might share one server.
var seq atomic.Int64

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s%d-%s", prefix, seq.Add(1), randomHex(4))
}

// EnableAWSAuth mounts the aws auth method at a fresh path such as
// "aws-t7-1a2b3c4d", disables it when the test ends, and returns the path.
func (s *Server) EnableAWSAuth(t testing.TB) string {
	t.Helper()
	path := uniqueName("aws-t")
	s.EnableAWSAuthAt(t, path)
	return path
}

// EnableAWSAuthAt mounts the aws auth method at path, which may be nested
// ("team/aws-x"), and disables it when the test ends. The caller must make
// path unique among concurrently running tests.
func (s *Server) EnableAWSAuthAt(t testing.TB, path string) {
	t.Helper()
	if err := s.Client.Sys().EnableAuthWithOptions(path, &api.EnableAuthOptions{Type: "aws"}); err != nil {
		t.Fatalf("enable aws auth at %q: %v", path, err)
	}
	t.Cleanup(func() { _ = s.Client.Sys().DisableAuth(path) })
}

// TokenWithPolicy writes hcl as a policy with a unique name and returns a
// new orphan token carrying only that policy (not even "default", so e.g.
// auth/token/lookup-self is denied unless hcl grants it). The token is
// revoked and the policy deleted when the test ends.
func (s *Server) TokenWithPolicy(t testing.TB, hcl string) string {
	t.Helper()
	name := uniqueName("vaulttest-p")
	if err := s.Client.Sys().PutPolicy(name, hcl); err != nil {
		t.Fatalf("write policy: %v", err)
	}
	t.Cleanup(func() { _ = s.Client.Sys().DeletePolicy(name) })
	secret, err := s.Client.Auth().Token().CreateOrphan(&api.TokenCreateRequest{
		Policies:        []string{name},
		NoDefaultPolicy: true,
		TTL:             "1h",
	})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	token := secret.Auth.ClientToken
	t.Cleanup(func() { _ = s.Client.Auth().Token().RevokeOrphan(token) })
	return token
}

// freePortPair returns a port p such that p and p+1 are free on 127.0.0.1:
// a dev server also listens for cluster traffic on its API port + 1 (if that
// is taken it only logs an error, but it would squat on a port another
// package's server may have picked). Another process can still grab p before
// vault binds it; Start retries then.
func freePortPair() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+1)))
		l.Close()
		if err == nil {
			l2.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free pair of adjacent ports on 127.0.0.1")
}

// serverEnv is our environment minus VAULT_* (a developer's VAULT_ADDR,
// VAULT_CLUSTER_ADDR etc. would reconfigure the dev server) and with HOME in
// the temp dir, so the server reads and writes nothing in the real home.
func serverEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func tail(s string, lines int) string {
	if strings.TrimSpace(s) == "" {
		return "(empty)"
	}
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// Unseal unseals the server with the key the dev server printed when it started, so a test can
// seal it, see what a sealed Vault does, and then see the next run converge.
func (s *Server) Unseal() error {
	logText, err := os.ReadFile(filepath.Join(s.dir, "vault.log"))
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`Unseal Key: (\S+)`).FindSubmatch(logText)
	if m == nil {
		return errors.New("the dev server printed no unseal key")
	}
	if _, err := s.Client.Sys().Unseal(string(m[1])); err != nil {
		return err
	}
	return s.waitActive()
}
