package bedrock_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock"
)

// Real identifiers, as printed in the Amazon Bedrock user guide and API
// reference, with the parts we expect to read back from them.
func TestParseValid(t *testing.T) {
	type want struct {
		kind                         bedrock.Kind
		geo, part, region, acct, res string
		base                         string // "" = BaseModel reports false
		canonical                    string
	}
	cases := []struct {
		in   string
		want want
	}{
		{"anthropic.claude-3-5-sonnet-20241022-v2:0", want{kind: bedrock.KindBase,
			res: "anthropic.claude-3-5-sonnet-20241022-v2:0", base: "anthropic.claude-3-5-sonnet-20241022-v2:0",
			canonical: "anthropic.claude-3-5-sonnet-20241022-v2:0"}},
		{"anthropic.claude-v2", want{kind: bedrock.KindBase, res: "anthropic.claude-v2",
			base: "anthropic.claude-v2", canonical: "anthropic.claude-v2"}},
		{"amazon.titan-text-express-v1:0:8k", want{kind: bedrock.KindBase, res: "amazon.titan-text-express-v1:0:8k",
			base: "amazon.titan-text-express-v1:0:8k", canonical: "amazon.titan-text-express-v1:0:8k"}},
		{"meta.llama3-1-405b-instruct-v1:0", want{kind: bedrock.KindBase, res: "meta.llama3-1-405b-instruct-v1:0",
			base: "meta.llama3-1-405b-instruct-v1:0", canonical: "meta.llama3-1-405b-instruct-v1:0"}},
		{"ai21.jamba-1-5-large-v1:0", want{kind: bedrock.KindBase, res: "ai21.jamba-1-5-large-v1:0",
			base: "ai21.jamba-1-5-large-v1:0", canonical: "ai21.jamba-1-5-large-v1:0"}},
		{"us.anthropic.claude-3-5-sonnet-20241022-v2:0", want{kind: bedrock.KindSystemProfile, geo: "us",
			res: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", base: "anthropic.claude-3-5-sonnet-20241022-v2:0",
			canonical: "us.anthropic.claude-3-5-sonnet-20241022-v2:0"}},
		{"global.anthropic.claude-sonnet-4-5-20250929-v1:0", want{kind: bedrock.KindSystemProfile, geo: "global",
			res: "global.anthropic.claude-sonnet-4-5-20250929-v1:0", base: "anthropic.claude-sonnet-4-5-20250929-v1:0",
			canonical: "global.anthropic.claude-sonnet-4-5-20250929-v1:0"}},
		{"us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0", want{kind: bedrock.KindSystemProfile, geo: "us-gov",
			res: "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0", base: "anthropic.claude-3-5-sonnet-20240620-v1:0",
			canonical: "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0"}},
		{"apac.amazon.nova-pro-v1:0", want{kind: bedrock.KindSystemProfile, geo: "apac",
			res: "apac.amazon.nova-pro-v1:0", base: "amazon.nova-pro-v1:0", canonical: "apac.amazon.nova-pro-v1:0"}},
		{"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2", want{kind: bedrock.KindFoundationModelARN,
			part: "aws", region: "us-east-1", res: "anthropic.claude-v2", base: "anthropic.claude-v2",
			canonical: "anthropic.claude-v2"}},
		{"arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
			want{kind: bedrock.KindFoundationModelARN, part: "aws-us-gov", region: "us-gov-west-1",
				res: "anthropic.claude-3-haiku-20240307-v1:0", base: "anthropic.claude-3-haiku-20240307-v1:0",
				canonical: "anthropic.claude-3-haiku-20240307-v1:0"}},
		{"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
			want{kind: bedrock.KindInferenceProfileARN, geo: "us", part: "aws", region: "us-east-1", acct: "123456789012",
				res: "us.anthropic.claude-3-5-sonnet-20241022-v2:0", base: "anthropic.claude-3-5-sonnet-20241022-v2:0",
				canonical: "us.anthropic.claude-3-5-sonnet-20241022-v2:0"}},
		{"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz",
			want{kind: bedrock.KindApplicationProfileARN, part: "aws", region: "us-east-1", acct: "123456789012",
				res: "abc123xyz", canonical: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz"}},
		{"application-inference-profile/abc123xyz", want{kind: bedrock.KindApplicationProfileShort,
			res: "abc123xyz", canonical: "application-inference-profile/abc123xyz"}},
		{"arn:aws:bedrock:us-east-1:123456789012:provisioned-model/a1b2c3d4e5f6",
			want{kind: bedrock.KindProvisionedModelARN, part: "aws", region: "us-east-1", acct: "123456789012",
				res: "a1b2c3d4e5f6", canonical: "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/a1b2c3d4e5f6"}},
		{"arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/a1b2c3d4e5f6",
			want{kind: bedrock.KindCustomModelARN, part: "aws", region: "us-east-1", acct: "123456789012",
				res:       "amazon.titan-text-express-v1:0:8k/a1b2c3d4e5f6",
				canonical: "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/a1b2c3d4e5f6"}},
		{"arn:aws:bedrock:us-east-1:086734376398:imported-model/r4c4kewx2s0n",
			want{kind: bedrock.KindImportedModelARN, part: "aws", region: "us-east-1", acct: "086734376398",
				res: "r4c4kewx2s0n", canonical: "arn:aws:bedrock:us-east-1:086734376398:imported-model/r4c4kewx2s0n"}},
		{"arn:aws:bedrock:us-west-2:123456789012:custom-model-deployment/abcdef123456",
			want{kind: bedrock.KindCustomModelDeploymentARN, part: "aws", region: "us-west-2", acct: "123456789012",
				res: "abcdef123456", canonical: "arn:aws:bedrock:us-west-2:123456789012:custom-model-deployment/abcdef123456"}},
		{"arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT12345:1",
			want{kind: bedrock.KindPromptARN, part: "aws", region: "us-east-1", acct: "123456789012",
				res: "PROMPT12345:1", canonical: "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT12345:1"}},
		{"arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1",
			want{kind: bedrock.KindPromptRouterARN, part: "aws", region: "us-east-1", acct: "123456789012",
				res: "anthropic.claude:1", canonical: "arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1"}},
		{"arn:aws:sagemaker:us-west-2:123456789012:endpoint/my-Endpoint-1",
			want{kind: bedrock.KindMarketplaceEndpointARN, part: "aws", region: "us-west-2", acct: "123456789012",
				res: "my-Endpoint-1", canonical: "arn:aws:sagemaker:us-west-2:123456789012:endpoint/my-Endpoint-1"}},
		{"arn:aws-cn:bedrock:cn-north-1::foundation-model/amazon.titan-embed-text-v2:0",
			want{kind: bedrock.KindFoundationModelARN, part: "aws-cn", region: "cn-north-1",
				res: "amazon.titan-embed-text-v2:0", base: "amazon.titan-embed-text-v2:0", canonical: "amazon.titan-embed-text-v2:0"}},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			id, err := bedrock.Parse(tc.in)
			require.NoError(t, err)
			require.True(t, id.IsValid())
			assert.Equal(t, tc.in, id.String())
			assert.Equal(t, tc.want.kind, id.Kind())
			assert.Equal(t, tc.want.geo, id.Geo())
			assert.Equal(t, tc.want.part, id.Partition())
			assert.Equal(t, tc.want.region, id.Region())
			assert.Equal(t, tc.want.acct, id.Account())
			assert.Equal(t, tc.want.res, id.Resource())
			assert.Equal(t, tc.want.canonical, id.Canonical())
			assert.Equal(t, tc.want.kind.IsARN(), strings.HasPrefix(tc.in, "arn:"))
			base, ok := id.BaseModel()
			if tc.want.base == "" {
				assert.False(t, ok)
				assert.False(t, base.IsValid())
			} else {
				require.True(t, ok)
				assert.Equal(t, bedrock.MustParse(tc.want.base), base)
			}
			again, err := bedrock.Parse(id.String())
			require.NoError(t, err)
			assert.Equal(t, id, again)
		})
	}
}

// Every case is a string some client or configuration could present in the
// hope that it is taken for (or widened to) a model it is not.
func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"empty":                                "",
		"leading space":                        " anthropic.claude-v2",
		"trailing newline":                     "anthropic.claude-v2\n",
		"inner NUL":                            "anthropic.claude\x00-v2",
		"non-ASCII homoglyph":                  "anthropic.clаude-v2",
		"upper-case base":                      "Anthropic.claude-v2",
		"upper-case geo":                       "US.anthropic.claude-v2",
		"no provider dot":                      "claude-v2",
		"dot dot":                              "anthropic..claude-v2",
		"trailing dot":                         "anthropic.claude-v2.",
		"leading slash":                        "/anthropic.claude-v2",
		"trailing slash":                       "anthropic.claude-v2/",
		"path traversal":                       "../anthropic.claude-v2",
		"percent-encoded colon":                "anthropic.claude-v2%3A0",
		"empty version":                        "anthropic.claude-v2:",
		"three version parts":                  "anthropic.claude-v2:0:8k:x",
		"geo without base":                     "us.claude",
		"double geo":                           "us.eu.anthropic.claude-v2",
		"geo only":                             "global.",
		"hyphen-led label":                     "anthropic.-claude",
		"prefix-only provider":                 ".claude-v2",
		"too long":                             "anthropic." + strings.Repeat("a", 2048),
		"arn wrong service":                    "arn:aws:s3:us-east-1::foundation-model/anthropic.claude-v2",
		"arn bedrock-runtime service":          "arn:aws:bedrock-runtime:us-east-1::foundation-model/anthropic.claude-v2",
		"arn unknown partition":                "arn:aws-evil:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
		"arn partition region mismatch":        "arn:aws:bedrock:cn-north-1::foundation-model/anthropic.claude-v2",
		"arn gov region in aws":                "arn:aws:bedrock:us-gov-west-1::foundation-model/anthropic.claude-v2",
		"arn bad region":                       "arn:aws:bedrock:useast1::foundation-model/anthropic.claude-v2",
		"arn upper region":                     "arn:aws:bedrock:US-EAST-1::foundation-model/anthropic.claude-v2",
		"arn empty region":                     "arn:aws:bedrock:::foundation-model/anthropic.claude-v2",
		"foundation model with account":        "arn:aws:bedrock:us-east-1:123456789012:foundation-model/anthropic.claude-v2",
		"foundation model naming a profile":    "arn:aws:bedrock:us-east-1::foundation-model/us.anthropic.claude-v2",
		"inference profile naming a base":      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/anthropic.claude-v2",
		"short account":                        "arn:aws:bedrock:us-east-1:12345678901:application-inference-profile/abc",
		"non-digit account":                    "arn:aws:bedrock:us-east-1:12345678901x:application-inference-profile/abc",
		"missing account":                      "arn:aws:bedrock:us-east-1::application-inference-profile/abc",
		"unknown resource type":                "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc",
		"resource type case":                   "arn:aws:bedrock:us-east-1:123456789012:Application-Inference-Profile/abc",
		"app profile extra segment":            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc/def",
		"app profile empty id":                 "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/",
		"app profile traversal":                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/..",
		"arn no resource type":                 "arn:aws:bedrock:us-east-1:123456789012:abc",
		"arn too few fields":                   "arn:aws:bedrock:us-east-1",
		"arn upper prefix":                     "ARN:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
		"custom model one segment":             "arn:aws:bedrock:us-east-1:123456789012:custom-model/a1b2c3d4e5f6",
		"custom model three segments":          "arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1/a/b",
		"custom model from profile":            "arn:aws:bedrock:us-east-1:123456789012:custom-model/us.amazon.titan-text-express-v1/abc",
		"sagemaker non-endpoint":               "arn:aws:sagemaker:us-east-1:123456789012:model/abc",
		"sagemaker endpoint trailing hyphen":   "arn:aws:sagemaker:us-east-1:123456789012:endpoint/abc-",
		"bedrock endpoint":                     "arn:aws:bedrock:us-east-1:123456789012:endpoint/abc",
		"prompt bad version":                   "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT12345:DRAFT",
		"short form empty":                     "application-inference-profile/",
		"short form nested":                    "application-inference-profile/abc/invoke",
		"short form upper":                     "application-inference-profile/ABC",
		"litellm prefix is not an ID":          "bedrock/anthropic.claude-v2",
		"suffix of an azure name":              "azure/anthropic.claude-3-sonnet",
		"arn with space in resource":           "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude v2",
		"arn with trailing colon in account":   "arn:aws:bedrock:us-east-1:123456789012::application-inference-profile/abc",
		"foundation model with trailing slash": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2/",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			id, err := bedrock.Parse(in)
			require.Error(t, err)
			assert.ErrorIs(t, err, bedrock.ErrInvalidModelID)
			var pe *bedrock.ParseError
			require.ErrorAs(t, err, &pe)
			assert.NotEmpty(t, pe.Reason)
			assert.False(t, id.IsValid())
			assert.Equal(t, bedrock.ModelID{}, id)
			assert.Panics(t, func() { bedrock.MustParse(in) })
		})
	}
}

func TestZeroValue(t *testing.T) {
	var id bedrock.ModelID
	assert.False(t, id.IsValid())
	assert.Equal(t, bedrock.KindInvalid, id.Kind())
	assert.Equal(t, "", id.String())
	assert.Equal(t, "", id.Canonical())
	assert.False(t, id.Same(id), "two invalid IDs are not the same model")
	_, ok := id.BaseModel()
	assert.False(t, ok)
	for _, s := range []string{id.Geo(), id.Partition(), id.Region(), id.Account(), id.Resource()} {
		assert.Empty(t, s)
	}
}

func TestEquivalence(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		same bool
	}{
		{"foundation-model ARN is its base ID", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2", "anthropic.claude-v2", true},
		{"foundation-model ARN in another Region is still the base ID", "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-v2", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2", true},
		{"inference-profile ARN is its profile ID", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", true},
		{"us profile is not global profile", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", false},
		{"eu profile is not its base model", "eu.anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0", false},
		{"inference-profile ARN is not the base model", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-v2", "anthropic.claude-v2", false},
		{"context-length variant is another model", "anthropic.claude-3-sonnet-20240229-v1:0:28k", "anthropic.claude-3-sonnet-20240229-v1:0", false},
		{"app profile in another account", "arn:aws:bedrock:us-east-1:111111111111:application-inference-profile/abc", "arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/abc", false},
		{"app profile ARN is not its short form", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc", "application-inference-profile/abc", false},
		{"custom model is not its base", "arn:aws:bedrock:us-east-1:123456789012:custom-model/anthropic.claude-v2/abc", "anthropic.claude-v2", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := bedrock.MustParse(tc.a), bedrock.MustParse(tc.b)
			assert.Equal(t, tc.same, a.Same(b))
			assert.Equal(t, tc.same, b.Same(a))
			assert.Equal(t, tc.same, a.Canonical() == b.Canonical())
			assert.NotEqual(t, a, b, "distinct texts are distinct values")
		})
	}
}

func TestTextMarshalling(t *testing.T) {
	type cfg struct {
		Model bedrock.ModelID `json:"model"`
	}
	var c cfg
	require.NoError(t, json.Unmarshal([]byte(`{"model":"us.anthropic.claude-3-5-sonnet-20241022-v2:0"}`), &c))
	assert.Equal(t, bedrock.MustParse("us.anthropic.claude-3-5-sonnet-20241022-v2:0"), c.Model)
	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"model":"us.anthropic.claude-3-5-sonnet-20241022-v2:0"}`, string(out))

	err = json.Unmarshal([]byte(`{"model":"US.anthropic.claude"}`), &c)
	assert.ErrorIs(t, err, bedrock.ErrInvalidModelID)

	require.NoError(t, json.Unmarshal([]byte(`{"model":""}`), &c))
	assert.False(t, c.Model.IsValid())
}

func TestParseErrorDoesNotEchoUnbounded(t *testing.T) {
	in := strings.Repeat("x", 5000)
	_, err := bedrock.Parse(in)
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 400)
	assert.True(t, errors.Is(err, bedrock.ErrInvalidModelID))
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "system-inference-profile", bedrock.KindSystemProfile.String())
	assert.Equal(t, "Kind(200)", bedrock.Kind(200).String())
	assert.False(t, bedrock.Kind(200).IsARN())
	assert.False(t, bedrock.KindApplicationProfileShort.IsARN())
}
