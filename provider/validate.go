package provider

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"golang.org/x/net/http/httpguts"
)

// normalize puts the checked inputs in the form Vault stores, so equal configs compare equal.
func normalize(args *ClientArgs) {
	backend := strings.Trim(args.backend(), "/")
	args.Backend = &backend
	args.Namespace = optional(strings.Trim(args.namespace(), "/"))
	if args.AllowedSTSHeaderValues != nil {
		args.AllowedSTSHeaderValues = canonicalHeaders(args.AllowedSTSHeaderValues)
	}
}

// checkInput is what a rule sees: the normalised inputs, and the raw ones to tell which
// values are still unknown during a preview (a rule never judges an unknown value).
type checkInput struct {
	args *ClientArgs
	raw  property.Map
}

func (in checkInput) known(properties ...string) bool {
	for _, name := range properties {
		if in.raw.Get(name).HasComputed() {
			return false
		}
	}
	return true
}

func (in checkInput) isSet(property string) bool { return fieldNamed(property).isSet(in.args) }

// rule returns the failures of one check; each names the property and says what to do.
type rule func(in checkInput) []p.CheckFailure

var clientRules = []rule{
	pathRule("backend"),
	pathRule("namespace"),
	requires("stsRegion", "stsEndpoint", "Vault signs STS requests for stsRegion only at a matching stsEndpoint, e.g. `https://sts.eu-west-1.amazonaws.com`"),
	requires("stsEndpoint", "stsRegion", "set stsRegion to the region of that endpoint, e.g. `eu-west-1`"),
	requires("secretKey", "accessKey", "a secret key is used only with its access key ID"),
	requires("identityTokenAudience", "roleArn", "Vault exchanges the identity token for credentials of roleArn"),
	conflicts("accessKey", "identityTokenAudience", "use static keys or workload identity federation, not both"),
	conflicts("rotationPeriod", "rotationSchedule", "rotate either every rotationPeriod seconds or on rotationSchedule"),
	conflicts("rotationPeriod", "rotationWindow", "rotationWindow applies only to rotationSchedule"),
	absoluteURL("ec2Endpoint"), absoluteURL("iamEndpoint"), absoluteURL("stsEndpoint"),
	atLeast("maxRetries", -1, "use -1 for the AWS SDK's default"),
	atLeast("identityTokenTtl", 0, "durations are whole seconds; 0 uses Vault's default"),
	atLeast("rotationPeriod", 0, "durations are whole seconds"),
	atLeast("rotationWindow", 0, "durations are whole seconds"),
	noSurroundingSpace,
	notTooLong,
	headerNames,
}

// Far above any real ARN, URL or region; a longer value is a mistake such as a pasted file.
const (
	maxValueLength = 2048
	maxPathLength  = 512
)

func validateClient(args *ClientArgs, raw property.Map) []p.CheckFailure {
	in := checkInput{args: args, raw: raw}
	var failures []p.CheckFailure
	for _, r := range clientRules {
		failures = append(failures, r(in)...)
	}
	return failures
}

func failure(property, format string, a ...any) []p.CheckFailure {
	return []p.CheckFailure{{Property: property, Reason: fmt.Sprintf(format, a...)}}
}

func requires(property, needed, why string) rule {
	return func(in checkInput) []p.CheckFailure {
		if in.known(property, needed) && in.isSet(property) && !in.isSet(needed) {
			return failure(property, "%s needs %s: %s; or remove %s", property, needed, why, property)
		}
		return nil
	}
}

func conflicts(property, other, why string) rule {
	return func(in checkInput) []p.CheckFailure {
		if in.known(property, other) && in.isSet(property) && in.isSet(other) {
			return failure(other, "%s conflicts with %s: %s; remove one of them", other, property, why)
		}
		return nil
	}
}

func absoluteURL(property string) rule {
	return func(in checkInput) []p.CheckFailure {
		f := fieldNamed(property)
		if !in.known(property) || !f.isSet(in.args) {
			return nil
		}
		value := f.effective(in.args).(string)
		u, err := url.Parse(value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return failure(property, "%s must be an absolute http(s) URL such as `https://sts.us-east-1.amazonaws.com`, got %q", property, value)
		}
		return nil
	}
}

func atLeast(property string, minimum int, hint string) rule {
	return func(in checkInput) []p.CheckFailure {
		f := fieldNamed(property)
		if value := f.effective(in.args).(int); in.known(property) && value < minimum {
			return failure(property, "%s must be %d or more, got %d: %s", property, minimum, value, hint)
		}
		return nil
	}
}

// eachString applies problem to every known string property; a non-empty answer is a failure.
// Values are judged but never quoted, since some are secret.
func eachString(problem func(value string) string) rule {
	return func(in checkInput) []p.CheckFailure {
		var failures []p.CheckFailure
		for _, f := range clientFields {
			if f.kind != kindString || !in.known(f.property) {
				continue
			}
			if why := problem(f.effective(in.args).(string)); why != "" {
				failures = append(failures, failure(f.property, "%s %s", f.property, why)...)
			}
		}
		return failures
	}
}

// noSurroundingSpace catches values that Vault would store with stray blanks, which then never
// match what AWS sends.
var noSurroundingSpace = eachString(func(value string) string {
	if strings.TrimSpace(value) != value {
		return "must not be blank or start or end with whitespace; remove the spaces or the property"
	}
	return ""
})

var notTooLong = eachString(func(value string) string {
	if len(value) > maxValueLength {
		return fmt.Sprintf("is %d bytes long; at most %d are allowed", len(value), maxValueLength)
	}
	return ""
})

func headerNames(in checkInput) []p.CheckFailure {
	if !in.known("allowedStsHeaderValues") {
		return nil
	}
	for _, name := range in.args.AllowedSTSHeaderValues {
		if !httpguts.ValidHeaderFieldName(name) {
			return failure("allowedStsHeaderValues", "allowedStsHeaderValues must hold HTTP header names such as `X-Custom-Header`; %q is not one", name)
		}
	}
	return nil
}

func pathRule(property string) rule {
	return func(in checkInput) []p.CheckFailure {
		if !in.known(property) {
			return nil
		}
		value := in.args.backend()
		if property == "namespace" {
			value = in.args.namespace()
			if value == "" {
				return nil
			}
		}
		if problem := pathProblem(value); problem != "" {
			return failure(property, "%s %q %s", property, value, problem)
		}
		return nil
	}
}

// pathProblem says what is wrong with a Vault path such as a mount or a namespace, or "".
func pathProblem(path string) string {
	if path == "" {
		return "must not be empty"
	}
	for _, segment := range strings.Split(path, "/") {
		switch segment {
		case "":
			return "must not contain empty segments (`//`)"
		case ".", "..":
			return "must not contain `.` or `..` segments"
		}
	}
	if len(path) > maxPathLength {
		return fmt.Sprintf("is %d bytes long; at most %d are allowed", len(path), maxPathLength)
	}
	for _, r := range path {
		if !pathRune(r) {
			return fmt.Sprintf("must not contain %q; use ASCII letters, digits, `-`, `_`, `.` and `/`", r)
		}
	}
	return ""
}

// Vault accepts more in mount paths, but other characters break policies, CLI quoting and IDs.
func pathRune(r rune) bool {
	return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.ContainsRune("-_./", r)
}
