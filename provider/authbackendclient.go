package provider

import (
	"context"
	_ "embed"
	"fmt"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

//go:embed docs/authbackendclient.md
var authBackendClientDoc string

// AuthBackendClient manages `auth/<backend>/config/client` of an AWS auth mount.
type AuthBackendClient struct{}

// ClientArgs are the resource's inputs. Every Vault key has a row in clientFields; its field
// here must be a pointer (or a slice) so "not set" is distinguishable from a zero value.
type ClientArgs struct {
	Backend   *string `pulumi:"backend,optional"`
	Namespace *string `pulumi:"namespace,optional"`

	AccessKey                *string  `pulumi:"accessKey,optional" provider:"secret"`
	SecretKey                *string  `pulumi:"secretKey,optional" provider:"secret"`
	EC2Endpoint              *string  `pulumi:"ec2Endpoint,optional"`
	IAMEndpoint              *string  `pulumi:"iamEndpoint,optional"`
	STSEndpoint              *string  `pulumi:"stsEndpoint,optional"`
	STSRegion                *string  `pulumi:"stsRegion,optional"`
	UseSTSRegionFromClient   *bool    `pulumi:"useStsRegionFromClient,optional"`
	IAMServerIDHeaderValue   *string  `pulumi:"iamServerIdHeaderValue,optional"`
	AllowedSTSHeaderValues   []string `pulumi:"allowedStsHeaderValues,optional"`
	MaxRetries               *int     `pulumi:"maxRetries,optional"`
	RoleARN                  *string  `pulumi:"roleArn,optional"`
	IdentityTokenAudience    *string  `pulumi:"identityTokenAudience,optional"`
	IdentityTokenTTL         *int     `pulumi:"identityTokenTtl,optional"`
	RotationPeriod           *int     `pulumi:"rotationPeriod,optional"`
	RotationSchedule         *string  `pulumi:"rotationSchedule,optional"`
	RotationWindow           *int     `pulumi:"rotationWindow,optional"`
	DisableAutomatedRotation *bool    `pulumi:"disableAutomatedRotation,optional"`
}

// ClientState is what Vault holds, as last read, plus the secret key Vault never returns.
type ClientState struct {
	ClientArgs
}

const defaultBackend = "aws"

func (r *AuthBackendClient) Annotate(a infer.Annotator) {
	a.SetToken("index", "AuthBackendClient")
	a.Describe(r, authBackendClientDoc)
}

func (args *ClientArgs) Annotate(a infer.Annotator) {
	a.Describe(&args.Backend, "Path of the AWS auth mount, without `auth/`; nested paths such as `team/aws` work. "+
		"Leading and trailing slashes are trimmed. Changing it replaces the resource.")
	a.SetDefault(&args.Backend, defaultBackend)
	a.Describe(&args.Namespace, "Vault Enterprise namespace of the mount, relative to the provider's `namespace`. "+
		"Changing it replaces the resource. Community Edition has no namespaces, so setting it there fails.")
	for _, f := range clientFields {
		a.Describe(f.slot(args).Addr().Interface(), f.doc)
	}
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

func (r *AuthBackendClient) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[ClientArgs], error) {
	args, failures, err := infer.DefaultCheck[ClientArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[ClientArgs]{Inputs: args, Failures: failures}, err
	}
	normalize(&args)
	return infer.CheckResponse[ClientArgs]{Inputs: args, Failures: validateClient(&args, req.NewInputs)}, nil
}

func (r *AuthBackendClient) Create(ctx context.Context, req infer.CreateRequest[ClientArgs]) (infer.CreateResponse[ClientState], error) {
	args := req.Inputs
	id := clientID(args.namespace(), args.backend())
	vault := vaultFrom(ctx)
	if err := vault.checkServerSupports(ctx, args.namespace(), gatedFieldsSet(&args)); err != nil {
		return infer.CreateResponse[ClientState]{}, err
	}
	if req.DryRun {
		return infer.CreateResponse[ClientState]{ID: id, Output: ClientState{args}}, nil
	}
	// A config may already exist (written by hand, or left over): write every key, credentials
	// included, so nothing of it survives Vault's merge of absent keys.
	state, err := writeAndReadBack(ctx, vault, &args, writeBody(nil, &args, true))
	if err != nil {
		return infer.CreateResponse[ClientState]{}, err
	}
	return infer.CreateResponse[ClientState]{ID: id, Output: state}, nil
}

func (r *AuthBackendClient) Update(ctx context.Context, req infer.UpdateRequest[ClientArgs, ClientState]) (infer.UpdateResponse[ClientState], error) {
	args := req.Inputs
	vault := vaultFrom(ctx)
	if err := vault.checkServerSupports(ctx, args.namespace(), gatedFieldsSet(&args)); err != nil {
		return infer.UpdateResponse[ClientState]{}, err
	}
	if req.DryRun {
		return infer.UpdateResponse[ClientState]{Output: ClientState{args}}, nil
	}
	state, err := writeAndReadBack(ctx, vault, &args, writeBody(&req.State.ClientArgs, &args, credentialsChanged(&req.State.ClientArgs, &args)))
	if err != nil {
		return infer.UpdateResponse[ClientState]{}, err
	}
	return infer.UpdateResponse[ClientState]{Output: state}, nil
}

func (r *AuthBackendClient) Read(ctx context.Context, req infer.ReadRequest[ClientArgs, ClientState]) (infer.ReadResponse[ClientArgs, ClientState], error) {
	namespace, backend, err := parseClientID(req.ID)
	if err != nil {
		return infer.ReadResponse[ClientArgs, ClientState]{}, err
	}
	importing := req.State.Backend == nil
	prior := req.State.ClientArgs
	prior.Backend, prior.Namespace = &backend, optional(namespace)

	vault := vaultFrom(ctx)
	if err := vault.checkServerSupports(ctx, namespace, nil); err != nil {
		return infer.ReadResponse[ClientArgs, ClientState]{}, err
	}
	data, err := vault.read(ctx, namespace, prior.configPath())
	if err != nil {
		return infer.ReadResponse[ClientArgs, ClientState]{}, err
	}
	if data == nil {
		if importing {
			return infer.ReadResponse[ClientArgs, ClientState]{}, fmt.Errorf(
				"cannot import %q: Vault has no AWS auth client config there (is the mount path right, and is it configured?)", req.ID)
		}
		// Gone from Vault: an empty ID tells the engine, and the next `up` creates it again.
		return infer.ReadResponse[ClientArgs, ClientState]{}, nil
	}
	state, err := stateFromVault(data, &prior)
	if err != nil {
		return infer.ReadResponse[ClientArgs, ClientState]{}, err
	}
	inputs := req.Inputs
	inputs.Backend, inputs.Namespace = prior.Backend, prior.Namespace
	inputsFollowVault(&inputs, &state.ClientArgs)
	return infer.ReadResponse[ClientArgs, ClientState]{ID: req.ID, Inputs: inputs, State: state}, nil
}

func (r *AuthBackendClient) Delete(ctx context.Context, req infer.DeleteRequest[ClientState]) (infer.DeleteResponse, error) {
	state := req.State.ClientArgs
	return infer.DeleteResponse{}, vaultFrom(ctx).delete(ctx, state.namespace(), state.configPath())
}

func (r *AuthBackendClient) Diff(ctx context.Context, req infer.DiffRequest[ClientArgs, ClientState]) (infer.DiffResponse, error) {
	olds, news := &req.State.ClientArgs, &req.Inputs
	unknown := unknownInputs(ctx)
	diff := map[string]p.PropertyDiff{}
	if unknown["backend"] || olds.backend() != news.backend() {
		diff["backend"] = p.PropertyDiff{Kind: p.UpdateReplace, InputDiff: true}
	}
	if unknown["namespace"] || olds.namespace() != news.namespace() {
		diff["namespace"] = p.PropertyDiff{Kind: p.UpdateReplace, InputDiff: true}
	}
	for _, f := range clientFields {
		if unknown[f.property] || !f.equal(f.effective(olds), f.effective(news)) {
			diff[f.property] = p.PropertyDiff{Kind: p.Update, InputDiff: true}
		}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
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
func writeAndReadBack(ctx context.Context, vault *vaultClient, args *ClientArgs, body map[string]any) (ClientState, error) {
	if err := vault.write(ctx, args.namespace(), args.configPath(), body); err != nil {
		return ClientState{}, err
	}
	data, err := vault.read(ctx, args.namespace(), args.configPath())
	if err != nil {
		return ClientState{}, err
	}
	if data == nil {
		return ClientState{}, fmt.Errorf("Vault accepted the write to %q but returns nothing there; was the mount disabled meanwhile?", args.configPath())
	}
	return stateFromVault(data, args)
}

// stateFromVault turns Vault's response into state. Write-only keys keep prior's value; keys the
// server does not return (an older Vault) keep prior's value too.
func stateFromVault(data map[string]any, prior *ClientArgs) (ClientState, error) {
	state := ClientState{ClientArgs{Backend: prior.Backend, Namespace: prior.Namespace}}
	for _, f := range clientFields {
		raw, returned := data[f.vaultKey]
		if f.writeOnly || !returned {
			f.set(&state.ClientArgs, f.get(prior))
			continue
		}
		value, err := f.fromVault(raw)
		if err != nil {
			return ClientState{}, err
		}
		f.set(&state.ClientArgs, value)
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
