package vaulttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Proxy is an HTTP reverse proxy on 127.0.0.1 in front of a Vault address.
// It records every request and can inject faults a real server cannot be
// made to show on demand (5xx, dropped connections, hangs) or pretend to be
// another Vault version.
type Proxy struct {
	Addr string // base URL to give clients, http://127.0.0.1:<port>

	srv       *httptest.Server
	transport *http.Transport
	forward   *httputil.ReverseProxy
	closed    chan struct{} // closed on cleanup; releases hanging requests

	mu       sync.Mutex
	requests []Request
	version  string
	fault    func(*http.Request) Fault
}

// Request is one request the proxy received. Path is the raw URL path as
// sent by the client, including the "/v1/" prefix, without the query.
type Request struct {
	Method string
	Path   string
}

// Fault says what the proxy does instead of forwarding a request. The zero
// Fault forwards normally. If several fields are set, Reset wins over Hang,
// and Hang over Status.
type Fault struct {
	Status   int    // respond with this status code and Body (as application/json)
	Body     string //
	Location string // with Status: the Location header, as of a redirect
	Reset    bool   // drop the TCP connection with a RST and send no response
	Hang     bool   // send nothing until the client gives up or the proxy closes, then drop the connection
}

// NewProxy starts a proxy in front of target (e.g. Server.Addr) and closes it
// when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		t.Fatalf("vaulttest.NewProxy: bad target %q: %v", target, err)
	}
	p := &Proxy{
		transport: http.DefaultTransport.(*http.Transport).Clone(),
		closed:    make(chan struct{}),
	}
	p.forward = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			// Let our transport negotiate compression itself so it hands
			// ModifyResponse a plain body it can rewrite.
			r.Out.Header.Del("Accept-Encoding")
		},
		Transport:      p.transport,
		ModifyResponse: p.rewriteVersion,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "vaulttest proxy: "+err.Error(), http.StatusBadGateway)
		},
	}
	p.srv = httptest.NewServer(p)
	p.Addr = p.srv.URL
	t.Cleanup(func() {
		close(p.closed)
		p.srv.Close()
		p.transport.CloseIdleConnections()
	})
	return p
}

// Requests returns the requests received so far (including faulted ones),
// in arrival order.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// Reset forgets the recorded requests.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = nil
}

// Count returns how many recorded requests have the given method ("" means
// any) and a path starting with pathPrefix (raw path, e.g. "/v1/auth/").
func (p *Proxy) Count(method, pathPrefix string) int {
	n := 0
	for _, r := range p.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// SetVersion makes successful GET /v1/sys/seal-status responses report
// version v, standing in for an older or Enterprise server. "" passes the
// real version through.
func (p *Proxy) SetVersion(v string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.version = v
}

// SetFault installs f, which picks the Fault for each incoming request; nil
// removes it. f may be called concurrently.
func (p *Proxy) SetFault(f func(r *http.Request) Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = f
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests = append(p.requests, Request{Method: r.Method, Path: r.URL.Path})
	pick := p.fault
	p.mu.Unlock()

	var f Fault
	if pick != nil {
		f = pick(r)
	}
	switch {
	case f.Reset:
		dropConnection(w)
	case f.Hang:
		select {
		case <-r.Context().Done():
		case <-p.closed:
		}
		dropConnection(w) // returning normally would send an empty 200
	case f.Status != 0:
		w.Header().Set("Content-Type", "application/json")
		if f.Location != "" {
			w.Header().Set("Location", f.Location)
		}
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, f.Body)
	default:
		p.forward.ServeHTTP(w, r)
	}
}

// dropConnection closes the client connection with a TCP RST, as a crashed
// server or a load balancer cutting the connection would.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http closes the connection quietly
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // close sends RST instead of FIN
	}
	_ = conn.Close()
}

func (p *Proxy) rewriteVersion(resp *http.Response) error {
	p.mu.Lock()
	v := p.version
	p.mu.Unlock()
	req := resp.Request
	if v == "" || req.Method != http.MethodGet || req.URL.Path != "/v1/sys/seal-status" || resp.StatusCode != http.StatusOK {
		return nil
	}
	var body map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber() // keep numbers exactly as the server sent them
	if err := dec.Decode(&body); err != nil {
		return err
	}
	resp.Body.Close()
	body["version"] = v
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return nil
}
