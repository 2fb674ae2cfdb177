package provider

import (
	"encoding/json"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// everyCommunityProperty sets each property a Community Edition server accepts.
func everyCommunityProperty(backend string) map[string]any {
	return map[string]any{
		"backend":                backend,
		"accessKey":              "AKIAEXAMPLE",
		"secretKey":              "s3cr3t-example",
		"ec2Endpoint":            "https://ec2.eu-west-1.amazonaws.com",
		"iamEndpoint":            "https://iam.amazonaws.com",
		"stsEndpoint":            "https://sts.eu-west-1.amazonaws.com",
		"stsRegion":              "eu-west-1",
		"useStsRegionFromClient": true,
		"iamServerIdHeaderValue": "vault.example.com",
		"allowedStsHeaderValues": []any{"x-custom-b", "X-Custom-A"},
		"maxRetries":             5,
		"roleArn":                "arn:aws:iam::123456789012:role/vault",
	}
}

func TestCreateWritesEveryPropertyToVault(t *testing.T) {
	h := newHarness(t, nil)
	backend := vault.EnableAWSAuth(t)
	id, state := h.create(everyCommunityProperty(backend))

	assert.Equal(t, "auth/"+backend+"/config/client", id)
	got := inVault(t, backend)
	assert.Equal(t, "AKIAEXAMPLE", got["access_key"])
	assert.Equal(t, "https://ec2.eu-west-1.amazonaws.com", got["endpoint"])
	assert.Equal(t, "https://iam.amazonaws.com", got["iam_endpoint"])
	assert.Equal(t, "https://sts.eu-west-1.amazonaws.com", got["sts_endpoint"])
	assert.Equal(t, "eu-west-1", got["sts_region"])
	assert.Equal(t, true, got["use_sts_region_from_client"])
	assert.Equal(t, "vault.example.com", got["iam_server_id_header_value"])
	assert.Equal(t, []any{"X-Custom-A", "X-Custom-B"}, got["allowed_sts_header_values"])
	assert.Equal(t, json.Number("5"), got["max_retries"])
	assert.Equal(t, "arn:aws:iam::123456789012:role/vault", got["role_arn"])

	assert.True(t, state.Get("accessKey").Secret(), "accessKey must be secret in state")
	assert.True(t, state.Get("secretKey").Secret(), "secretKey must be secret in state")
	assert.Equal(t, "s3cr3t-example", state.Get("secretKey").AsString())
}

func TestNoDiffAfterCreate(t *testing.T) {
	h := newHarness(t, nil)
	inputs := everyCommunityProperty(vault.EnableAWSAuth(t))
	id, state := h.create(inputs)
	assert.False(t, h.diff(id, state, inputs).HasChanges)
}

func TestNoDiffAfterRefresh(t *testing.T) {
	h := newHarness(t, nil)
	inputs := everyCommunityProperty(vault.EnableAWSAuth(t))
	id, state := h.create(inputs)
	read, err := h.read(id, state, h.checked(inputs))
	require.NoError(t, err)
	assert.Equal(t, id, read.ID)
	assert.Equal(t, h.checked(inputs), read.Inputs, "a refresh of an unchanged config must not change inputs")
	assert.False(t, h.diff(id, read.Properties, inputs).HasChanges)
	assert.True(t, read.Properties.Get("secretKey").Secret())
}

func TestUnsetPropertiesShowNoDiffAgainstVaultDefaults(t *testing.T) {
	h := newHarness(t, nil)
	inputs := map[string]any{"backend": vault.EnableAWSAuth(t)}
	id, state := h.create(inputs)
	assert.True(t, state.Get("maxRetries").IsNull(), "Vault's defaults are not stored as values")
	read, err := h.read(id, state, h.checked(inputs))
	require.NoError(t, err)
	assert.False(t, h.diff(id, read.Properties, inputs).HasChanges)
	assert.Equal(t, h.checked(inputs), read.Inputs)
}

func TestHeaderCaseAndOrderShowNoDiff(t *testing.T) {
	h := newHarness(t, nil)
	inputs := map[string]any{"backend": vault.EnableAWSAuth(t), "allowedStsHeaderValues": []any{"x-b", "X-A"}}
	id, state := h.create(inputs)
	inputs["allowedStsHeaderValues"] = []any{"x-a", "X-B", "x-b"}
	assert.False(t, h.diff(id, state, inputs).HasChanges)
}

func TestMaxRetriesMinusOneEqualsUnset(t *testing.T) {
	h := newHarness(t, nil)
	inputs := map[string]any{"backend": vault.EnableAWSAuth(t), "maxRetries": -1}
	id, state := h.create(inputs)
	delete(inputs, "maxRetries")
	assert.False(t, h.diff(id, state, inputs).HasChanges)
}

func TestChangingAPropertyIsAnInPlaceUpdate(t *testing.T) {
	h := newHarness(t, nil)
	inputs := everyCommunityProperty(vault.EnableAWSAuth(t))
	id, state := h.create(inputs)
	inputs["stsRegion"] = "eu-central-1"
	inputs["stsEndpoint"] = "https://sts.eu-central-1.amazonaws.com"
	assert.Equal(t, map[string]p.DiffKind{"stsRegion": p.Update, "stsEndpoint": p.Update}, changed(h.diff(id, state, inputs)))
	state = h.update(id, state, inputs)
	assert.Equal(t, "eu-central-1", inVault(t, inputs["backend"].(string))["sts_region"])
	assert.Equal(t, "eu-central-1", state.Get("stsRegion").AsString())
	assert.False(t, h.diff(id, state, inputs).HasChanges)
}

func TestRemovingAPropertyClearsItInVault(t *testing.T) {
	h := newHarness(t, nil)
	inputs := everyCommunityProperty(vault.EnableAWSAuth(t))
	id, state := h.create(inputs)
	for _, name := range []string{"accessKey", "secretKey", "ec2Endpoint", "iamServerIdHeaderValue", "allowedStsHeaderValues", "maxRetries", "useStsRegionFromClient"} {
		delete(inputs, name)
	}
	state = h.update(id, state, inputs)

	got := inVault(t, inputs["backend"].(string))
	assert.Equal(t, "", got["access_key"])
	assert.Equal(t, "", got["endpoint"])
	assert.Equal(t, "", got["iam_server_id_header_value"])
	assert.Empty(t, got["allowed_sts_header_values"])
	assert.Equal(t, json.Number("-1"), got["max_retries"])
	assert.Equal(t, false, got["use_sts_region_from_client"])
	assert.Equal(t, "eu-west-1", got["sts_region"], "properties still set stay")
	assert.False(t, h.diff(id, state, inputs).HasChanges)
}

func TestUnrelatedUpdateKeepsCredentialsSetOutOfBand(t *testing.T) {
	h := newHarness(t, nil)
	inputs := everyCommunityProperty(vault.EnableAWSAuth(t))
	backend := inputs["backend"].(string)
	id, state := h.create(inputs)
	// Someone rotates the keys with the Vault CLI.
	_, err := vault.Client.Logical().Write("auth/"+backend+"/config/client", map[string]any{"access_key": "AKIAROTATED", "secret_key": "rotated"})
	require.NoError(t, err)

	inputs["iamServerIdHeaderValue"] = "other.example.com"
	h.update(id, state, inputs)
	got := inVault(t, backend)
	assert.Equal(t, "AKIAROTATED", got["access_key"], "an unrelated update must not write credentials")
	assert.Equal(t, "other.example.com", got["iam_server_id_header_value"])
}

func TestChangingTheSecretKeyWritesBothCredentials(t *testing.T) {
	h := newHarness(t, nil)
	inputs := everyCommunityProperty(vault.EnableAWSAuth(t))
	id, state := h.create(inputs)
	inputs["secretKey"] = "new-secret"
	assert.Equal(t, map[string]p.DiffKind{"secretKey": p.Update}, changed(h.diff(id, state, inputs)))
	state = h.update(id, state, inputs)
	assert.Equal(t, "new-secret", state.Get("secretKey").AsString())
	assert.True(t, state.Get("secretKey").Secret())
}

func TestChangingBackendOrNamespaceReplaces(t *testing.T) {
	h := newHarness(t, nil)
	inputs := map[string]any{"backend": vault.EnableAWSAuth(t)}
	id, state := h.create(inputs)
	assert.Equal(t, map[string]p.DiffKind{"backend": p.UpdateReplace}, changed(h.diff(id, state, map[string]any{"backend": vault.EnableAWSAuth(t)})))
	assert.Equal(t, map[string]p.DiffKind{"namespace": p.UpdateReplace},
		changed(h.diff(id, state, map[string]any{"backend": inputs["backend"], "namespace": "team1"})))
}

func TestBackendSlashesAreTrimmed(t *testing.T) {
	h := newHarness(t, nil)
	backend := vault.EnableAWSAuth(t)
	id, state := h.create(map[string]any{"backend": "/" + backend + "/"})
	assert.Equal(t, "auth/"+backend+"/config/client", id)
	assert.Equal(t, backend, state.Get("backend").AsString())
	assert.False(t, h.diff(id, state, map[string]any{"backend": backend}).HasChanges)
}

func TestNestedBackend(t *testing.T) {
	h := newHarness(t, nil)
	backend := "team-nested/" + vault.EnableAWSAuth(t)
	vault.EnableAWSAuthAt(t, backend)
	id, _ := h.create(map[string]any{"backend": backend, "stsRegion": "us-east-1", "stsEndpoint": "https://sts.us-east-1.amazonaws.com"})
	assert.Equal(t, "auth/"+backend+"/config/client", id)
	assert.Equal(t, "us-east-1", inVault(t, backend)["sts_region"])

	imported, err := h.read(id, property.Map{}, property.Map{})
	require.NoError(t, err)
	assert.Equal(t, backend, imported.Inputs.Get("backend").AsString())
}

func TestRefreshFindsOutOfBandChange(t *testing.T) {
	h := newHarness(t, nil)
	inputs := everyCommunityProperty(vault.EnableAWSAuth(t))
	id, state := h.create(inputs)
	_, err := vault.Client.Logical().Write("auth/"+inputs["backend"].(string)+"/config/client", map[string]any{"sts_region": "ap-south-1"})
	require.NoError(t, err)

	read, err := h.read(id, state, h.checked(inputs))
	require.NoError(t, err)
	assert.Equal(t, "ap-south-1", read.Properties.Get("stsRegion").AsString())
	assert.Equal(t, map[string]p.DiffKind{"stsRegion": p.Update}, changed(h.diff(id, read.Properties, inputs)))
}

func TestRefreshOfConfigDeletedOutOfBandReportsItGone(t *testing.T) {
	h := newHarness(t, nil)
	inputs := map[string]any{"backend": vault.EnableAWSAuth(t)}
	id, state := h.create(inputs)
	_, err := vault.Client.Logical().Delete("auth/" + inputs["backend"].(string) + "/config/client")
	require.NoError(t, err)
	read, err := h.read(id, state, h.checked(inputs))
	require.NoError(t, err)
	assert.Empty(t, read.ID)
}

func TestRefreshAfterMountDisabledReportsItGone(t *testing.T) {
	h := newHarness(t, nil)
	inputs := map[string]any{"backend": vault.EnableAWSAuth(t)}
	id, state := h.create(inputs)
	require.NoError(t, vault.Client.Sys().DisableAuth(inputs["backend"].(string)))
	read, err := h.read(id, state, h.checked(inputs))
	require.NoError(t, err)
	assert.Empty(t, read.ID)
}

func TestDeleteRemovesTheConfig(t *testing.T) {
	h := newHarness(t, nil)
	backend := vault.EnableAWSAuth(t)
	id, state := h.create(everyCommunityProperty(backend))
	require.NoError(t, h.delete(id, state))
	assert.Nil(t, inVault(t, backend))
	require.NoError(t, h.delete(id, state), "deleting a config that is gone succeeds")
}

func TestDeleteAfterMountDisabledSucceeds(t *testing.T) {
	h := newHarness(t, nil)
	backend := vault.EnableAWSAuth(t)
	id, state := h.create(map[string]any{"backend": backend})
	require.NoError(t, vault.Client.Sys().DisableAuth(backend))
	require.NoError(t, h.delete(id, state))
}

func TestImportByID(t *testing.T) {
	h := newHarness(t, nil)
	backend := vault.EnableAWSAuth(t)
	_, err := vault.Client.Logical().Write("auth/"+backend+"/config/client", map[string]any{
		"access_key": "AKIAIMPORT", "secret_key": "imported-secret", "sts_region": "us-west-2",
		"sts_endpoint": "https://sts.us-west-2.amazonaws.com", "allowed_sts_header_values": "x-one,x-two",
	})
	require.NoError(t, err)

	id := "auth/" + backend + "/config/client"
	imported, err := h.read(id, property.Map{}, property.Map{})
	require.NoError(t, err)
	assert.Equal(t, id, imported.ID)
	assert.Equal(t, backend, imported.Inputs.Get("backend").AsString())
	assert.Equal(t, "us-west-2", imported.Inputs.Get("stsRegion").AsString())
	assert.Equal(t, "AKIAIMPORT", imported.Inputs.Get("accessKey").AsString())
	assert.True(t, imported.Inputs.Get("maxRetries").IsNull(), "defaults are not imported as inputs")

	program := map[string]any{
		"backend": backend, "accessKey": "AKIAIMPORT", "stsRegion": "us-west-2",
		"stsEndpoint": "https://sts.us-west-2.amazonaws.com", "allowedStsHeaderValues": []any{"X-One", "X-Two"},
	}
	assert.False(t, h.diff(id, imported.Properties, program).HasChanges, "a program matching the imported config shows no diff")
}

func TestImportKeepsSecretsSecret(t *testing.T) {
	h := newHarness(t, nil)
	backend := vault.EnableAWSAuth(t)
	_, err := vault.Client.Logical().Write("auth/"+backend+"/config/client", map[string]any{"access_key": "AKIAIMPORT", "secret_key": "x"})
	require.NoError(t, err)
	imported, err := h.read("auth/"+backend+"/config/client", property.Map{}, property.Map{})
	require.NoError(t, err)
	assert.True(t, imported.Inputs.Get("accessKey").Secret(), "imported input accessKey must be secret")
	assert.True(t, imported.Properties.Get("accessKey").Secret(), "imported state accessKey must be secret")
	assert.True(t, imported.Properties.Get("secretKey").IsNull(), "Vault never returns the secret key")
}

func TestImportOfMissingConfigFails(t *testing.T) {
	h := newHarness(t, nil)
	_, err := h.read("auth/"+vault.EnableAWSAuth(t)+"/config/client", property.Map{}, property.Map{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no AWS auth client config")
	_, err = h.read("auth/no-such-mount/config/client", property.Map{}, property.Map{})
	require.Error(t, err)
}

func TestImportOfMalformedIDFails(t *testing.T) {
	h := newHarness(t, nil)
	for _, id := range []string{"", "aws", "auth/aws", "auth//config/client", "auth/config/client", "ns/auth/../x/config/client"} {
		_, err := h.read(id, property.Map{}, property.Map{})
		require.Error(t, err, id)
		assert.Contains(t, err.Error(), "import ID", id)
	}
}

func TestNamespacedResourceFailsOnCommunityEdition(t *testing.T) {
	h := newHarness(t, nil)
	backend := vault.EnableAWSAuth(t)
	inputs := map[string]any{"backend": backend, "namespace": "team1"}
	_, err := h.server.Create(h.createRequest(inputs, true))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs Vault Enterprise")
	assert.Nil(t, inVault(t, backend), "nothing may land in the root namespace")

	_, err = h.read("team1/auth/"+backend+"/config/client", property.Map{}, property.Map{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs Vault Enterprise")
}

func TestEnterprisePropertiesFailOnCommunityEdition(t *testing.T) {
	h := newHarness(t, nil)
	backend := vault.EnableAWSAuth(t)
	for name, inputs := range map[string]map[string]any{
		"identityTokenAudience": {"backend": backend, "identityTokenAudience": "vault", "roleArn": "arn:aws:iam::123456789012:role/x"},
		"rotationPeriod":        {"backend": backend, "rotationPeriod": 3600},
		"rotationSchedule":      {"backend": backend, "rotationSchedule": "0 * * * SAT"},
	} {
		_, err := h.server.Create(h.createRequest(inputs, true))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name+" needs Vault Enterprise", name)
		assert.Contains(t, err.Error(), "1.21.0", "the error names the server's version")
	}
	assert.Nil(t, inVault(t, backend))
}

func TestSecretsAreMarkedInCheckedInputs(t *testing.T) {
	h := newHarness(t, nil)
	checked := h.checked(map[string]any{"accessKey": "AKIA", "secretKey": "s"})
	assert.True(t, checked.Get("accessKey").Secret())
	assert.True(t, checked.Get("secretKey").Secret())
}

func TestUnknownBackendShowsAsReplaceInPreview(t *testing.T) {
	h := newHarness(t, nil)
	inputs := map[string]any{"backend": vault.EnableAWSAuth(t)}
	id, state := h.create(inputs)
	unknown := h.check(props(map[string]any{"backend": "x"})).Inputs.Set("backend", property.New(property.Computed))
	resp, err := h.server.Diff(p.DiffRequest{ID: id, Urn: h.urn, State: state, Inputs: unknown})
	require.NoError(t, err)
	assert.Equal(t, p.UpdateReplace, changed(resp)["backend"])
}

// TestEveryVaultKeyHasAProperty guards the table against a Vault that grows a key: every key the
// real server returns for config/client must map to a property.
func TestEveryVaultKeyHasAProperty(t *testing.T) {
	backend := vault.EnableAWSAuth(t)
	_, err := vault.Client.Logical().Write("auth/"+backend+"/config/client", map[string]any{"access_key": "AKIAGUARD", "secret_key": "guard"})
	require.NoError(t, err)
	known := map[string]bool{}
	for _, f := range clientFields {
		known[f.vaultKey] = true
	}
	got := inVault(t, backend)
	require.NotEmpty(t, got)
	for key := range got {
		assert.True(t, known[key], "Vault returns %q, which no property manages: add a row to clientFields", key)
	}
}
