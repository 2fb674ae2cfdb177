package provider

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strings"

	pschema "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// kind says how a property is represented in Pulumi and in Vault's `config/client` body.
type kind int

const (
	kindString     kind = iota // *string; Vault clears it with ""
	kindBool                   // *bool; Vault clears it with false
	kindInt                    // *int; whole number
	kindSeconds                // *int; a duration in whole seconds, which is what Vault returns
	kindHeaderList             // []string of HTTP header names; Vault canonicalises their case
)

// field is one row of the table: a Vault key of `auth/<backend>/config/client` and the Pulumi
// property that manages it. Create, Update, Read, Diff, Check, gating and the docs all read it.
type field struct {
	property string // Pulumi property name: the `pulumi` tag of the ClientArgs field
	vaultKey string
	kind     kind
	// cleared is what Vault holds when the key is unset: sent to clear a removed property,
	// treated as equal to "not set" when diffing, and left out of state.
	cleared any
	// minVersion is the oldest Vault that knows the key; an older server ignores unknown keys
	// silently, so setting it there must fail instead.
	minVersion string
	enterprise bool // Community Edition rejects or ignores non-cleared values
	secret     bool // secret in inputs, outputs and after import
	// writeOnly keys are never returned by Vault; their state value is carried over.
	writeOnly bool
	// credential keys are written only when a credential changed, so that an unrelated update
	// never overwrites a secret rotated out of band.
	credential bool
	doc        string
}

// clientFields is the table. Adding a Vault key means a row here, a field in ClientArgs and a test.
var clientFields = []field{
	{property: "accessKey", vaultKey: "access_key", kind: kindString, cleared: "", secret: true, credential: true,
		doc: "AWS access key ID Vault uses to call AWS. Conflicts with `identityTokenAudience`."},
	{property: "secretKey", vaultKey: "secret_key", kind: kindString, cleared: "", secret: true, credential: true, writeOnly: true,
		doc: "AWS secret access key that goes with `accessKey`. Vault never returns it, so the provider keeps the value it last wrote; a change made outside Pulumi cannot be detected."},
	{property: "ec2Endpoint", vaultKey: "endpoint", kind: kindString, cleared: "",
		doc: "URL of the EC2 API endpoint to use instead of the default, e.g. `https://ec2.us-east-1.amazonaws.com`."},
	{property: "iamEndpoint", vaultKey: "iam_endpoint", kind: kindString, cleared: "",
		doc: "URL of the IAM API endpoint to use instead of the default."},
	{property: "stsEndpoint", vaultKey: "sts_endpoint", kind: kindString, cleared: "",
		doc: "URL of the STS API endpoint to use instead of the default. Set together with `stsRegion`."},
	{property: "stsRegion", vaultKey: "sts_region", kind: kindString, cleared: "",
		doc: "AWS region of `stsEndpoint`, used to sign STS requests. Set together with `stsEndpoint`."},
	{property: "useStsRegionFromClient", vaultKey: "use_sts_region_from_client", kind: kindBool, cleared: false, minVersion: "1.15.0",
		doc: "Use the STS region of the client's login request instead of `stsRegion`. Needs Vault 1.15 or later."},
	{property: "iamServerIdHeaderValue", vaultKey: "iam_server_id_header_value", kind: kindString, cleared: "",
		doc: "Value the `X-Vault-AWS-IAM-Server-ID` header of IAM login requests must carry, which protects against replay."},
	{property: "allowedStsHeaderValues", vaultKey: "allowed_sts_header_values", kind: kindHeaderList, cleared: []string{},
		doc: "Extra headers allowed in signed STS requests of IAM logins. Names are compared case-insensitively and kept in Vault's canonical form, sorted."},
	{property: "maxRetries", vaultKey: "max_retries", kind: kindInt, cleared: -1,
		doc: "Number of times Vault retries a failed AWS call; -1 (the default) uses the AWS SDK's default."},
	{property: "roleArn", vaultKey: "role_arn", kind: kindString, cleared: "",
		doc: "ARN of the AWS role Vault assumes; required by `identityTokenAudience`."},
	{property: "identityTokenAudience", vaultKey: "identity_token_audience", kind: kindString, cleared: "", minVersion: "1.17.0", enterprise: true,
		doc: "Audience of the plugin identity token Vault uses to assume `roleArn` (workload identity federation). Needs Vault Enterprise 1.17 or later; conflicts with `accessKey`."},
	{property: "identityTokenTtl", vaultKey: "identity_token_ttl", kind: kindSeconds, cleared: 0, minVersion: "1.17.0", enterprise: true,
		doc: "Lifetime of the plugin identity token, in seconds; 0 uses Vault's default. Needs Vault Enterprise 1.17 or later."},
	{property: "rotationPeriod", vaultKey: "rotation_period", kind: kindSeconds, cleared: 0, minVersion: "1.19.0", enterprise: true,
		doc: "Rotate the root credential every this many seconds. Conflicts with `rotationSchedule` and `rotationWindow`. Needs Vault Enterprise 1.19 or later."},
	{property: "rotationSchedule", vaultKey: "rotation_schedule", kind: kindString, cleared: "", minVersion: "1.19.0", enterprise: true,
		doc: "Cron-style schedule for rotating the root credential, e.g. `0 * * * SAT`. Conflicts with `rotationPeriod`. Needs Vault Enterprise 1.19 or later."},
	{property: "rotationWindow", vaultKey: "rotation_window", kind: kindSeconds, cleared: 0, minVersion: "1.19.0", enterprise: true,
		doc: "Seconds after the scheduled time during which a rotation may still run; only with `rotationSchedule`. Needs Vault Enterprise 1.19 or later."},
	{property: "disableAutomatedRotation", vaultKey: "disable_automated_rotation", kind: kindBool, cleared: false, minVersion: "1.19.0", enterprise: true,
		doc: "Pause automated rotation of the root credential. Needs Vault Enterprise 1.19 or later."},
}

// pathFields are the properties that say where the config is; they are not Vault keys.
var pathFields = []field{
	{property: "backend", kind: kindString, doc: "Path of the AWS auth mount, without `auth/`; nested paths such as `team/aws` work. " +
		"Leading and trailing slashes are trimmed. Changing it replaces the resource."},
	{property: "namespace", kind: kindString, doc: "Vault Enterprise namespace of the mount, relative to the provider's `namespace`. " +
		"Changing it replaces the resource. Community Edition has no namespaces, so setting it there fails."},
}

// allClientFields are every property of the resource, in schema order.
var allClientFields = append(slices.Clone(pathFields), clientFields...)

// gated says whether setting the field needs a server check before writing.
func (f field) gated() bool { return f.minVersion != "" || f.enterprise }

// fieldNamed returns the row of a Pulumi property.
func fieldNamed(property string) field {
	for _, f := range clientFields {
		if f.property == property {
			return f
		}
	}
	panic("no field " + property)
}

// argIndex maps each `pulumi` tag of ClientArgs to its struct field index, so the table can
// reach the typed field by property name.
var argIndex = func() map[string]int {
	index := map[string]int{}
	t := reflect.TypeFor[ClientArgs]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("pulumi"), ",")
		index[name] = i
	}
	return index
}()

// slot is the ClientArgs field of f: a pointer (nil = not set) or, for header lists, a slice.
func (f field) slot(args *ClientArgs) reflect.Value {
	return reflect.ValueOf(args).Elem().Field(argIndex[f.property])
}

// get returns the value the program gave, normalised, or nil when the property is not set.
func (f field) get(args *ClientArgs) any {
	v := f.slot(args)
	if v.IsNil() {
		return nil
	}
	if f.kind == kindHeaderList {
		return canonicalHeaders(v.Interface().([]string))
	}
	return v.Elem().Interface()
}

// set stores value (nil = not set) into args.
func (f field) set(args *ClientArgs, value any) {
	v := f.slot(args)
	if value == nil {
		v.SetZero()
		return
	}
	if f.kind == kindHeaderList {
		v.Set(reflect.ValueOf(value))
		return
	}
	ptr := reflect.New(v.Type().Elem())
	ptr.Elem().Set(reflect.ValueOf(value))
	v.Set(ptr)
}

// effective is the value Vault holds for the property: the program's value or the cleared one.
func (f field) effective(args *ClientArgs) any {
	if v := f.get(args); v != nil {
		return v
	}
	return f.cleared
}

// isSet says whether the program gives the property a value other than the cleared one.
func (f field) isSet(args *ClientArgs) bool { return !f.equal(f.effective(args), f.cleared) }

func (f field) equal(a, b any) bool {
	if f.kind == kindHeaderList {
		return slices.Equal(a.([]string), b.([]string))
	}
	return a == b
}

// fromVault converts a value of Vault's JSON response to the property's Go type.
func (f field) fromVault(raw any) (any, error) {
	switch f.kind {
	case kindString:
		if s, ok := raw.(string); ok {
			return s, nil
		}
	case kindBool:
		if b, ok := raw.(bool); ok {
			return b, nil
		}
	case kindInt, kindSeconds:
		return intFromJSON(raw)
	case kindHeaderList:
		switch l := raw.(type) {
		case nil:
			return []string{}, nil
		case []any:
			names := make([]string, 0, len(l))
			for _, item := range l {
				s, ok := item.(string)
				if !ok {
					return nil, fmt.Errorf("Vault returned %T in %s", item, f.vaultKey)
				}
				names = append(names, s)
			}
			return canonicalHeaders(names), nil
		}
	}
	return nil, fmt.Errorf("Vault returned %T for %s", raw, f.vaultKey)
}

// fromProgram converts a known, non-null value of a program to the property's Go type; a value
// of the wrong type is an error that says which type is expected.
func (f field) fromProgram(v property.Value) (any, error) {
	switch f.kind {
	case kindString:
		if v.IsString() {
			return v.AsString(), nil
		}
	case kindBool:
		if v.IsBool() {
			return v.AsBool(), nil
		}
	case kindInt, kindSeconds:
		if v.IsNumber() {
			if n := v.AsNumber(); n == math.Trunc(n) && math.Abs(n) <= math.MaxInt32 {
				return int(n), nil
			}
		}
	case kindHeaderList:
		if v.IsArray() {
			names := make([]string, 0, v.AsArray().Len())
			for _, item := range v.AsArray().All {
				if !item.IsString() {
					return nil, fmt.Errorf("%s must be a list of strings", f.property)
				}
				names = append(names, item.AsString())
			}
			return names, nil
		}
	}
	return nil, fmt.Errorf("%s must be %s", f.property, f.kindName())
}

// toProgram is the property value of v, a value get returned.
func (f field) toProgram(v any) property.Value {
	switch f.kind {
	case kindBool:
		return property.New(v.(bool))
	case kindInt, kindSeconds:
		return property.New(float64(v.(int)))
	case kindHeaderList:
		items := []property.Value{}
		for _, name := range v.([]string) {
			items = append(items, property.New(name))
		}
		return property.New(property.NewArray(items))
	}
	return property.New(v.(string))
}

func (f field) kindName() string {
	return map[kind]string{kindString: "a string", kindBool: "true or false", kindInt: "a whole number",
		kindSeconds: "a whole number of seconds", kindHeaderList: "a list of strings"}[f.kind]
}

// schema is the property's entry in the package schema.
func (f field) schema() pschema.PropertySpec {
	spec := pschema.PropertySpec{Description: f.doc, Secret: f.secret}
	switch f.kind {
	case kindString:
		spec.Type = "string"
	case kindBool:
		spec.Type = "boolean"
	case kindInt, kindSeconds:
		spec.Type = "integer"
	case kindHeaderList:
		spec.Type, spec.Items = "array", &pschema.TypeSpec{Type: "string"}
	}
	return spec
}

// intFromJSON converts a number of a Vault response (a json.Number) to int.
func intFromJSON(raw any) (int, error) {
	switch n := raw.(type) {
	case json.Number:
		i, err := n.Int64()
		return int(i), err
	case float64:
		return int(n), nil
	}
	return 0, fmt.Errorf("Vault returned %T where a number belongs", raw)
}

// canonicalHeaders is the form Vault stores header names in (`x-foo` → `X-Foo`), sorted and
// without repeats, so that case and order in a program never show as a diff.
func canonicalHeaders(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, http.CanonicalHeaderKey(strings.TrimSpace(n)))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
