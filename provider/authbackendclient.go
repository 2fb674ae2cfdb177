package provider

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	pschema "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

//go:embed docs/authbackendclient.md
var authBackendClientDoc string

const clientToken tokens.Type = Name + ":index:AuthBackendClient"

// ClientArgs is the resource in Go: its inputs, and its state as last read from Vault plus the
// secret key Vault never returns. Each field is a row of allClientFields, found by its `pulumi`
// tag; pointers (and the slice) tell "not set" from a zero value.
type ClientArgs struct {
	Backend   *string `pulumi:"backend"`
	Namespace *string `pulumi:"namespace"`

	AccessKey                *string  `pulumi:"accessKey"`
	SecretKey                *string  `pulumi:"secretKey"`
	EC2Endpoint              *string  `pulumi:"ec2Endpoint"`
	IAMEndpoint              *string  `pulumi:"iamEndpoint"`
	STSEndpoint              *string  `pulumi:"stsEndpoint"`
	STSRegion                *string  `pulumi:"stsRegion"`
	UseSTSRegionFromClient   *bool    `pulumi:"useStsRegionFromClient"`
	IAMServerIDHeaderValue   *string  `pulumi:"iamServerIdHeaderValue"`
	AllowedSTSHeaderValues   []string `pulumi:"allowedStsHeaderValues"`
	MaxRetries               *int     `pulumi:"maxRetries"`
	RoleARN                  *string  `pulumi:"roleArn"`
	IdentityTokenAudience    *string  `pulumi:"identityTokenAudience"`
	IdentityTokenTTL         *int     `pulumi:"identityTokenTtl"`
	RotationPeriod           *int     `pulumi:"rotationPeriod"`
	RotationSchedule         *string  `pulumi:"rotationSchedule"`
	RotationWindow           *int     `pulumi:"rotationWindow"`
	DisableAutomatedRotation *bool    `pulumi:"disableAutomatedRotation"`
}

const defaultBackend = "aws"

// clientProvider serves AuthBackendClient straight from the property table; the infer provider
// built in New delegates this token to it. It does not use infer's typed layer, whose
// reflection-based codec cost more CPU per call than the Vault request it wraps.
func clientProvider() p.Provider {
	return p.Provider{GetSchema: clientSchema, Check: checkClient, Diff: diffClient,
		Create: createClient, Read: readClient, Update: updateClient, Delete: deleteClient}
}

func clientSchema(context.Context, p.GetSchemaRequest) (p.GetSchemaResponse, error) {
	properties := map[string]pschema.PropertySpec{}
	for _, f := range allClientFields {
		properties[f.property] = f.schema()
	}
	backend := properties["backend"]
	backend.Default = defaultBackend
	properties["backend"] = backend
	spec := pschema.PackageSpec{Name: Name, Resources: map[string]pschema.ResourceSpec{string(clientToken): {
		ObjectTypeSpec:  pschema.ObjectTypeSpec{Description: authBackendClientDoc, Properties: properties},
		InputProperties: properties,
	}}}
	schema, err := json.Marshal(spec)
	return p.GetSchemaResponse{Schema: string(schema)}, err
}

// decodeClient reads a property map of the engine into ClientArgs. Values that are or hold
// unknowns are left unset (callers that must tell them apart look at the map); values of the
// wrong type, and properties the resource does not have, are failures.
func decodeClient(m property.Map) (ClientArgs, []p.CheckFailure) {
	var args ClientArgs
	var failures []p.CheckFailure
	for name := range m.Keys() {
		if _, known := argIndex[name]; !known && !strings.HasPrefix(name, "__") {
			failures = append(failures, failure(name, "%s is not a property of AuthBackendClient; check its spelling", name)...)
		}
	}
	for _, f := range allClientFields {
		v := m.Get(f.property)
		if v.IsNull() || v.HasComputed() {
			continue
		}
		value, err := f.fromProgram(v)
		if err != nil {
			failures = append(failures, p.CheckFailure{Property: f.property, Reason: err.Error()})
			continue
		}
		f.set(&args, value)
	}
	return args, failures
}

// encodeClient is args as the engine's property map. Secret properties are always secret, and
// so is any value the program made secret (secretIn), so a secret never leaves as plaintext.
func encodeClient(args *ClientArgs, secretIn property.Map) property.Map {
	out := map[string]property.Value{}
	for _, f := range allClientFields {
		if v := f.get(args); v != nil {
			out[f.property] = f.toProgram(v).WithSecret(f.secret || secretIn.Get(f.property).Secret())
		}
	}
	return property.NewMap(out)
}

// decoded is decodeClient of a map the engine got from this provider, which is well formed.
func decoded(m property.Map) ClientArgs {
	args, _ := decodeClient(m)
	return args
}

// backend and namespace are the path parts of the config, normalised by Check.
func (args *ClientArgs) backend() string {
	if args.Backend == nil {
		return defaultBackend
	}
	return *args.Backend
}

func (args *ClientArgs) namespace() string {
	if args.Namespace == nil {
		return ""
	}
	return *args.Namespace
}

func (args *ClientArgs) configPath() string { return "auth/" + args.backend() + "/config/client" }

func checkClient(ctx context.Context, req p.CheckRequest) (p.CheckResponse, error) {
	args, failures := decodeClient(req.Inputs)
	if len(failures) > 0 {
		return p.CheckResponse{Inputs: req.Inputs, Failures: failures}, nil
	}
	if !req.Inputs.Get("backend").HasComputed() && args.Backend == nil {
		args.Backend = optional(defaultBackend)
	}
	normalize(&args)
	checked := encodeClient(&args, req.Inputs)
	for name, v := range req.Inputs.All {
		if v.HasComputed() {
			checked = checked.Set(name, v) // still unknown: the program's value, untouched
		}
	}
	return p.CheckResponse{Inputs: checked, Failures: validateClient(&args, req.Inputs)}, nil
}

func createClient(ctx context.Context, req p.CreateRequest) (p.CreateResponse, error) {
	args := decoded(req.Properties)
	id := clientID(args.namespace(), args.backend())
	vault := vaultFrom(ctx)
	if err := vault.checkServerSupports(ctx, args.namespace(), gatedFieldsSet(&args)); err != nil {
		return p.CreateResponse{}, err
	}
	if req.DryRun {
		return p.CreateResponse{ID: id, Properties: req.Properties}, nil
	}
	// A config may already exist (written by hand, or left over): write every key, credentials
	// included, so nothing of it survives Vault's merge of absent keys.
	state, err := writeAndReadBack(ctx, vault, &args, writeBody(nil, &args, true))
	if err != nil {
		return p.CreateResponse{}, err
	}
	return p.CreateResponse{ID: id, Properties: encodeClient(&state, req.Properties)}, nil
}

func updateClient(ctx context.Context, req p.UpdateRequest) (p.UpdateResponse, error) {
	olds, args := decoded(req.State), decoded(req.Inputs)
	vault := vaultFrom(ctx)
	if err := vault.checkServerSupports(ctx, args.namespace(), gatedFieldsSet(&args)); err != nil {
		return p.UpdateResponse{}, err
	}
	if req.DryRun {
		return p.UpdateResponse{Properties: req.Inputs}, nil
	}
	state, err := writeAndReadBack(ctx, vault, &args, writeBody(&olds, &args, credentialsChanged(&olds, &args)))
	if err != nil {
		return p.UpdateResponse{}, err
	}
	return p.UpdateResponse{Properties: encodeClient(&state, req.Inputs)}, nil
}

func readClient(ctx context.Context, req p.ReadRequest) (p.ReadResponse, error) {
	namespace, backend, err := parseClientID(req.ID)
	if err != nil {
		return p.ReadResponse{}, err
	}
	prior := decoded(req.Properties)
	importing := prior.Backend == nil
	prior.Backend, prior.Namespace = &backend, optional(namespace)

	vault := vaultFrom(ctx)
	if err := vault.checkServerSupports(ctx, namespace, nil); err != nil {
		return p.ReadResponse{}, err
	}
	data, err := vault.read(ctx, namespace, prior.configPath())
	if err != nil {
		return p.ReadResponse{}, err
	}
	if data == nil {
		if importing {
			return p.ReadResponse{}, fmt.Errorf(
				"cannot import %q: Vault has no AWS auth client config there (is the mount path right, and is it configured?)", req.ID)
		}
		// Gone from Vault: an empty ID tells the engine, and the next `up` creates it again.
		return p.ReadResponse{}, nil
	}
	state, err := stateFromVault(data, &prior)
	if err != nil {
		return p.ReadResponse{}, err
	}
	inputs := decoded(req.Inputs)
	inputs.Backend, inputs.Namespace = prior.Backend, prior.Namespace
	inputsFollowVault(&inputs, &state)
	return p.ReadResponse{ID: req.ID, Properties: encodeClient(&state, req.Properties), Inputs: encodeClient(&inputs, req.Inputs)}, nil
}

func deleteClient(ctx context.Context, req p.DeleteRequest) error {
	state := decoded(req.Properties)
	return vaultFrom(ctx).delete(ctx, state.namespace(), state.configPath())
}

func diffClient(ctx context.Context, req p.DiffRequest) (p.DiffResponse, error) {
	olds, news := decoded(req.State), decoded(req.Inputs)
	unknown := func(property string) bool { return req.Inputs.Get(property).HasComputed() }
	diff := map[string]p.PropertyDiff{}
	if unknown("backend") || olds.backend() != news.backend() {
		diff["backend"] = p.PropertyDiff{Kind: p.UpdateReplace, InputDiff: true}
	}
	if unknown("namespace") || olds.namespace() != news.namespace() {
		diff["namespace"] = p.PropertyDiff{Kind: p.UpdateReplace, InputDiff: true}
	}
	for _, f := range clientFields {
		if unknown(f.property) || !f.equal(f.effective(&olds), f.effective(&news)) {
			diff[f.property] = p.PropertyDiff{Kind: p.Update, InputDiff: true}
		}
	}
	return p.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// writeBody is the request body that makes Vault hold args: every key, cleared ones as Vault's
// empty value, since Vault keeps keys absent from a write. Credentials go only when they are to
// be (re)written; gated keys only when set now or before (olds, nil on create), so a server
// that lacks them is never sent them.
func writeBody(olds, args *ClientArgs, withCredentials bool) map[string]any {
	body := map[string]any{}
	for _, f := range clientFields {
		wasSet := olds != nil && f.isSet(olds)
		if f.credential && !withCredentials || f.gated() && !f.isSet(args) && !wasSet {
			continue
		}
		body[f.vaultKey] = f.effective(args)
	}
	return body
}

// gatedFieldsSet are the properties args sets that not every Vault supports.
func gatedFieldsSet(args *ClientArgs) []field {
	var set []field
	for _, f := range clientFields {
		if f.gated() && f.isSet(args) {
			set = append(set, f)
		}
	}
	return set
}

func credentialsChanged(olds, news *ClientArgs) bool {
	for _, f := range clientFields {
		if f.credential && !f.equal(f.effective(olds), f.effective(news)) {
			return true
		}
	}
	return false
}

// writeAndReadBack writes body and returns what Vault then holds.
func writeAndReadBack(ctx context.Context, vault *vaultClient, args *ClientArgs, body map[string]any) (ClientArgs, error) {
	if err := vault.write(ctx, args.namespace(), args.configPath(), body); err != nil {
		return ClientArgs{}, err
	}
	data, err := vault.read(ctx, args.namespace(), args.configPath())
	if err != nil {
		return ClientArgs{}, err
	}
	if data == nil {
		return ClientArgs{}, fmt.Errorf("Vault accepted the write to %q but returns nothing there; was the mount disabled meanwhile?", args.configPath())
	}
	return stateFromVault(data, args)
}

// stateFromVault turns Vault's response into state. Write-only keys keep prior's value; keys the
// server does not return (an older Vault) keep prior's value too.
func stateFromVault(data map[string]any, prior *ClientArgs) (ClientArgs, error) {
	state := ClientArgs{Backend: prior.Backend, Namespace: prior.Namespace}
	for _, f := range clientFields {
		raw, returned := data[f.vaultKey]
		if f.writeOnly || !returned {
			f.set(&state, f.get(prior))
			continue
		}
		value, err := f.fromVault(raw)
		if err != nil {
			return ClientArgs{}, err
		}
		if !f.equal(value, f.cleared) { // Vault's "unset" stays unset: less state to store
			f.set(&state, value)
		}
	}
	return state, nil
}

// inputsFollowVault makes refreshed or imported inputs say what Vault holds: a property the
// program left unset stays unset while Vault holds the cleared value, so a refresh of an
// unchanged config changes no input.
func inputsFollowVault(inputs, vault *ClientArgs) {
	for _, f := range clientFields {
		if f.writeOnly || f.equal(f.effective(inputs), f.effective(vault)) {
			continue
		}
		if f.isSet(vault) {
			f.set(inputs, f.get(vault))
		} else {
			f.set(inputs, nil)
		}
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
