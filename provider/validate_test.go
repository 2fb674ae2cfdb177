package provider

import (
	"context"
	"strings"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckRejectsBadInputAtPreview runs every Check rule: each bad program fails on the named
// property with a message that names it.
func TestCheckRejectsBadInputAtPreview(t *testing.T) {
	h := newHarness(t, nil)
	sts := map[string]any{"stsEndpoint": "https://sts.eu-west-1.amazonaws.com", "stsRegion": "eu-west-1"}
	with := func(base map[string]any, kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name     string
		inputs   map[string]any
		property string
		says     string
	}{
		{"stsRegion without stsEndpoint", map[string]any{"stsRegion": "eu-west-1"}, "stsRegion", "needs stsEndpoint"},
		{"stsEndpoint without stsRegion", map[string]any{"stsEndpoint": "https://sts.eu-west-1.amazonaws.com"}, "stsEndpoint", "needs stsRegion"},
		{"accessKey with identityTokenAudience", map[string]any{"accessKey": "AKIA", "identityTokenAudience": "a", "roleArn": "arn:aws:iam::1:role/r"}, "identityTokenAudience", "conflicts with accessKey"},
		{"identityTokenAudience without roleArn", map[string]any{"identityTokenAudience": "a"}, "identityTokenAudience", "needs roleArn"},
		{"secretKey without accessKey", map[string]any{"secretKey": "s"}, "secretKey", "needs accessKey"},
		{"rotationWindow with rotationPeriod", map[string]any{"rotationWindow": 60, "rotationPeriod": 3600}, "rotationWindow", "conflicts with rotationPeriod"},
		{"rotationSchedule with rotationPeriod", map[string]any{"rotationSchedule": "0 * * * *", "rotationPeriod": 3600}, "rotationSchedule", "conflicts with rotationPeriod"},
		{"relative ec2Endpoint", map[string]any{"ec2Endpoint": "ec2.amazonaws.com"}, "ec2Endpoint", "absolute http(s) URL"},
		{"ftp iamEndpoint", map[string]any{"iamEndpoint": "ftp://iam.amazonaws.com"}, "iamEndpoint", "absolute http(s) URL"},
		{"stsEndpoint without host", with(sts, "stsEndpoint", "https://"), "stsEndpoint", "absolute http(s) URL"},
		{"malformed stsEndpoint", with(sts, "stsEndpoint", "https://exa mple.com/%zz"), "stsEndpoint", "absolute http(s) URL"},
		{"maxRetries below -1", map[string]any{"maxRetries": -2}, "maxRetries", "-1 or more"},
		{"negative identityTokenTtl", map[string]any{"identityTokenTtl": -1}, "identityTokenTtl", "0 or more"},
		{"negative rotationPeriod", map[string]any{"rotationPeriod": -5}, "rotationPeriod", "0 or more"},
		{"negative rotationWindow", map[string]any{"rotationWindow": -5}, "rotationWindow", "0 or more"},
		{"backend with empty segment", map[string]any{"backend": "team//aws"}, "backend", "empty segments"},
		{"backend of only slashes", map[string]any{"backend": "///"}, "backend", "must not be empty"},
		{"backend with dot-dot", map[string]any{"backend": "team/../aws"}, "backend", "`..`"},
		{"backend with space", map[string]any{"backend": "my aws"}, "backend", "must not contain"},
		{"namespace with empty segment", map[string]any{"namespace": "a//b"}, "namespace", "empty segments"},
		{"namespace with dot", map[string]any{"namespace": "a/./b"}, "namespace", "`.`"},
		{"blank stsRegion", with(sts, "stsRegion", "   "), "stsRegion", "whitespace"},
		{"roleArn with trailing newline", map[string]any{"roleArn": "arn:aws:iam::1:role/r\n"}, "roleArn", "whitespace"},
		{"header list with a bad name", map[string]any{"allowedStsHeaderValues": []any{"x-ok", "bad header"}}, "allowedStsHeaderValues", "HTTP header names"},
		{"header list with an empty name", map[string]any{"allowedStsHeaderValues": []any{""}}, "allowedStsHeaderValues", "HTTP header names"},
		{"unicode in backend", map[string]any{"backend": "aws-ü"}, "backend", "ASCII letters"},
		{"zero-width space in namespace", map[string]any{"namespace": "team\u200b1"}, "namespace", "ASCII letters"},
		{"backend with a query", map[string]any{"backend": "aws?x=1"}, "backend", "must not contain"},
		{"very long backend", map[string]any{"backend": strings.Repeat("a", 600)}, "backend", "at most 512"},
		{"very long roleArn", map[string]any{"roleArn": "arn:aws:iam::1:role/" + strings.Repeat("r", 3000)}, "roleArn", "at most 2048"},
		{"whitespace-only accessKey", map[string]any{"accessKey": "\t"}, "accessKey", "whitespace"},
		{"unclosed IPv6 host in stsEndpoint", with(sts, "stsEndpoint", "https://[::1"), "stsEndpoint", "absolute http(s) URL"},
		{"stsEndpoint with path but no host", with(sts, "stsEndpoint", "http:///sts"), "stsEndpoint", "absolute http(s) URL"},
		{"wrong type for allowedStsHeaderValues", map[string]any{"allowedStsHeaderValues": "x-a"}, "allowedStsHeaderValues", "a list of strings"},
		{"wrong type for roleArn", map[string]any{"roleArn": 5}, "roleArn", "a string"},
		{"wrong type for maxRetries", map[string]any{"maxRetries": "three"}, "maxRetries", "a whole number"},
		{"fractional maxRetries", map[string]any{"maxRetries": 1.5}, "maxRetries", "a whole number"},
		{"list of numbers for allowedStsHeaderValues", map[string]any{"allowedStsHeaderValues": []any{1}}, "allowedStsHeaderValues", "list of strings"},
		{"wrong type for useStsRegionFromClient", map[string]any{"useStsRegionFromClient": "yes"}, "useStsRegionFromClient", "true or false"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := h.check(props(c.inputs))
			require.NotEmpty(t, resp.Failures, "expected a check failure")
			assert.Equal(t, c.property, resp.Failures[0].Property)
			assert.Contains(t, resp.Failures[0].Reason, c.says)
		})
	}
}

func TestCheckNeverQuotesSecrets(t *testing.T) {
	h := newHarness(t, nil)
	resp := h.check(props(map[string]any{"secretKey": " hunter2 ", "accessKey": " AKIASECRET "}))
	require.NotEmpty(t, resp.Failures)
	for _, f := range resp.Failures {
		assert.NotContains(t, f.Reason, "hunter2")
		assert.NotContains(t, f.Reason, "AKIASECRET")
	}
}

func TestCheckAcceptsUnknownValuesDuringPreview(t *testing.T) {
	h := newHarness(t, nil)
	unknown := property.New(property.Computed)
	inputs := props(map[string]any{"stsRegion": "eu-west-1", "identityTokenAudience": "aud"}).
		Set("stsEndpoint", unknown).Set("roleArn", unknown).Set("backend", unknown).Set("maxRetries", unknown)
	resp := h.check(inputs)
	assert.Empty(t, resp.Failures)
	assert.True(t, resp.Inputs.Get("backend").IsComputed(), "an unknown backend stays unknown")
}

func TestCheckNormalisesBackendAndHeaders(t *testing.T) {
	h := newHarness(t, nil)
	checked := h.checked(map[string]any{"backend": "/team/aws/", "namespace": "/ns1/", "allowedStsHeaderValues": []any{"x-b", "x-a", "X-A"}})
	assert.Equal(t, "team/aws", checked.Get("backend").AsString())
	assert.Equal(t, "ns1", checked.Get("namespace").AsString())
	var headers []string
	for _, v := range checked.Get("allowedStsHeaderValues").AsArray().All {
		headers = append(headers, v.AsString())
	}
	assert.Equal(t, "X-A,X-B", strings.Join(headers, ","))
	assert.Equal(t, "aws", h.checked(map[string]any{}).Get("backend").AsString(), "backend defaults to aws")
}

func TestParseClientIDRoundTrips(t *testing.T) {
	for _, c := range []struct{ namespace, backend string }{{"", "aws"}, {"", "team/aws"}, {"team1", "aws"}, {"a/b", "x/y/z"}} {
		ns, backend, err := parseClientID(clientID(c.namespace, c.backend))
		require.NoError(t, err)
		assert.Equal(t, c, struct{ namespace, backend string }{ns, backend})
	}
}

func FuzzParseClientID(f *testing.F) {
	for _, seed := range []string{"auth/aws/config/client", "ns/auth/a/b/config/client", "auth//config/client", "/auth/x/config/client"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		ns, backend, err := parseClientID(id)
		if err != nil {
			return
		}
		again, backendAgain, err := parseClientID(clientID(ns, backend))
		if err != nil || again != ns || backendAgain != backend {
			t.Fatalf("%q parsed to (%q, %q) which does not round-trip", id, ns, backend)
		}
	})
}

func FuzzCheck(f *testing.F) {
	f.Add("aws", "eu-west-1", "https://sts.eu-west-1.amazonaws.com", "x-a,x-b", 3.0)
	f.Add("//", " ", "::", ",", -7.5)
	f.Fuzz(func(t *testing.T, backend, region, endpoint, headers string, retries float64) {
		var names []property.Value
		for _, name := range strings.Split(headers, ",") {
			names = append(names, property.New(name))
		}
		inputs := property.NewMap(map[string]property.Value{
			"backend": property.New(backend), "stsRegion": property.New(region), "stsEndpoint": property.New(endpoint),
			"allowedStsHeaderValues": property.New(property.NewArray(names)), "maxRetries": property.New(retries),
			"accessKey": property.New(region).WithSecret(true),
		})
		resp, err := checkClient(context.Background(), p.CheckRequest{Inputs: inputs})
		if err != nil {
			t.Fatal(err)
		}
		for _, failure := range resp.Failures {
			if failure.Property == "" || failure.Reason == "" {
				t.Fatalf("a failure must name a property and a reason: %+v", failure)
			}
		}
	})
}
