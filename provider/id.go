package provider

import (
	"fmt"
	"strings"
)

// The ID of an AuthBackendClient is Vault's own path of the config, prefixed by the namespace
// when there is one:
//
//	auth/<backend>/config/client
//	<namespace>/auth/<backend>/config/client
//
// The namespace ends at the first `auth` segment; Vault reserves `auth` as a namespace name, so
// that split is unambiguous even for nested backends such as `team/aws`.

const clientIDSuffix = "/config/client"

func clientID(namespace, backend string) string {
	id := "auth/" + backend + clientIDSuffix
	if namespace != "" {
		id = namespace + "/" + id
	}
	return id
}

func parseClientID(id string) (namespace, backend string, err error) {
	const form = "`auth/<backend>/config/client` or `<namespace>/auth/<backend>/config/client`"
	rest, ok := strings.CutSuffix(id, clientIDSuffix)
	if !ok {
		return "", "", fmt.Errorf("import ID %q must have the form %s", id, form)
	}
	segments := strings.Split(rest, "/")
	at := -1
	for i, s := range segments {
		if s == "auth" {
			at = i
			break
		}
	}
	if at < 0 || at == len(segments)-1 {
		return "", "", fmt.Errorf("import ID %q must have the form %s", id, form)
	}
	namespace = strings.Join(segments[:at], "/")
	backend = strings.Join(segments[at+1:], "/")
	if problem := pathProblem(backend); problem != "" {
		return "", "", fmt.Errorf("import ID %q: backend %q %s", id, backend, problem)
	}
	if namespace != "" {
		if problem := pathProblem(namespace); problem != "" {
			return "", "", fmt.Errorf("import ID %q: namespace %q %s", id, namespace, problem)
		}
	}
	return namespace, backend, nil
}
