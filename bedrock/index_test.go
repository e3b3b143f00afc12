package bedrock_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock"
)

func litellm(t *testing.T, model string) bedrock.ModelID {
	t.Helper()
	id, err := bedrock.ParseLiteLLM(model)
	require.NoError(t, err, model)
	return id
}

// testIndex is a deployment list as an operator might write it: each entry
// is (litellm_params.model, model_name).
func testIndex(t *testing.T) *bedrock.Index[string] {
	t.Helper()
	deployments := [][2]string{
		{"bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0", "sonnet-regional"},
		{"bedrock/converse/us.anthropic.claude-3-5-sonnet-20241022-v2:0", "sonnet-us"},
		{"bedrock/invoke/eu.anthropic.claude-3-5-sonnet-20241022-v2:0", "sonnet-eu"},
		{"bedrock/arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2", "claude-2"},
		{"bedrock/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/uniqueprof01", "team-a"},
		{"bedrock/converse/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/dupprof00001", "team-b-east"},
		{"bedrock/arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/dupprof00001", "team-b-west"},
		{"bedrock/deepseek_r1/arn:aws:bedrock:us-east-1:086734376398:imported-model/r4c4kewx2s0n", "r1"},
		{"bedrock/us.anthropic.claude-3-5-sonnet-20241022-v2:0", "sonnet-us-2"},
		{"bedrock/converse/us.anthropic.claude-3-5-sonnet-20241022-v2:0", "sonnet-us"}, // duplicate deployment
	}
	var entries []bedrock.Entry[string]
	for _, d := range deployments {
		entries = append(entries, bedrock.Entry[string]{ID: litellm(t, d[0]), Value: d[1]})
	}
	ix, err := bedrock.NewIndex(entries...)
	require.NoError(t, err)
	return ix
}

func TestIndexLookup(t *testing.T) {
	ix := testIndex(t)
	cases := []struct {
		name      string
		requested string
		want      []string // nil = no match
	}{
		{"base ID configured as base ID", "anthropic.claude-3-5-sonnet-20241022-v2:0", []string{"sonnet-regional"}},
		{"foundation-model ARN matches configured base ID", "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0", []string{"sonnet-regional"}},
		{"base ID matches configured foundation-model ARN", "anthropic.claude-v2", []string{"claude-2"}},
		{"geo profile matches every deployment with it", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", []string{"sonnet-us", "sonnet-us-2"}},
		{"inference-profile ARN matches its profile ID", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-3-5-sonnet-20241022-v2:0", []string{"sonnet-eu"}},
		{"global geo does not match us geo", "global.anthropic.claude-3-5-sonnet-20241022-v2:0", nil},
		{"apac geo does not match base", "apac.anthropic.claude-3-5-sonnet-20241022-v2:0", nil},
		{"base ID does not grant via profile", "anthropic.claude-3-5-sonnet-20241022-v1:0", nil},
		{"app profile ARN exact", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/uniqueprof01", []string{"team-a"}},
		{"app profile ARN other account", "arn:aws:bedrock:us-east-1:999999999999:application-inference-profile/uniqueprof01", nil},
		{"app profile ARN other region", "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/uniqueprof01", nil},
		{"short form with one configured ARN", "application-inference-profile/uniqueprof01", []string{"team-a"}},
		// Which ARN AWS serves depends on where the request goes: every
		// meaning counts, so a caller must be allowed both. Matching none
		// would let a wildcard deployment decide (a bypass).
		{"short form with two configured ARNs means both", "application-inference-profile/dupprof00001", []string{"team-b-east", "team-b-west"}},
		{"short form with no configured ARN", "application-inference-profile/unknownprof1", nil},
		{"short form prefix of a configured ID", "application-inference-profile/uniqueprof0", nil},
		{"imported model ARN via handler route", "arn:aws:bedrock:us-east-1:086734376398:imported-model/r4c4kewx2s0n", []string{"r1"}},
		{"suffix of a configured ID", "claude-3-5-sonnet-20241022-v2:0", nil},
		{"litellm-prefixed request is not an ID", "bedrock/anthropic.claude-v2", nil},
		{"unparseable request", "anthropic.claude-v2 ", nil},
		{"empty request", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ix.Lookup(tc.requested)
			if tc.want == nil {
				assert.False(t, ok)
				assert.Empty(t, got)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestIndexNilAndZero(t *testing.T) {
	var ix *bedrock.Index[string]
	_, ok := ix.Lookup("anthropic.claude-v2")
	assert.False(t, ok)
	assert.Equal(t, 0, ix.Len())

	_, err := bedrock.NewIndex(bedrock.Entry[string]{Value: "x"})
	assert.ErrorIs(t, err, bedrock.ErrInvalidModelID)

	empty, err := bedrock.NewIndex[string]()
	require.NoError(t, err)
	_, ok = empty.Lookup("anthropic.claude-v2")
	assert.False(t, ok)
}

func TestIndexLookupZeroAlloc(t *testing.T) {
	ix := testIndex(t)
	for _, req := range []string{
		"us.anthropic.claude-3-5-sonnet-20241022-v2:0",
		"arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0",
		"application-inference-profile/uniqueprof01",
		"application-inference-profile/dupprof00001",
		"global.anthropic.claude-3-5-sonnet-20241022-v2:0",
		"not a model",
	} {
		allocs := testing.AllocsPerRun(100, func() { ix.Lookup(req) })
		assert.Zero(t, allocs, req)
	}
}

func TestParseLiteLLM(t *testing.T) {
	ok := map[string]string{
		"bedrock/anthropic.claude-v2":                                                         "anthropic.claude-v2",
		"bedrock/converse/us.anthropic.claude-v2":                                             "us.anthropic.claude-v2",
		"bedrock/invoke/anthropic.claude-v2":                                                  "anthropic.claude-v2",
		"bedrock/llama/arn:aws:bedrock:us-east-1:123456789012:imported-model/abc":             "arn:aws:bedrock:us-east-1:123456789012:imported-model/abc",
		"bedrock/invoke/qwen3/arn:aws:bedrock:us-east-1:123456789012:imported-model/abc":      "arn:aws:bedrock:us-east-1:123456789012:imported-model/abc",
		"bedrock/arn:aws:bedrock:us-east-1:123456789012:custom-model/anthropic.claude-v2/abc": "arn:aws:bedrock:us-east-1:123456789012:custom-model/anthropic.claude-v2/abc",
	}
	for in, want := range ok {
		t.Run(in, func(t *testing.T) {
			id, err := bedrock.ParseLiteLLM(in)
			require.NoError(t, err)
			assert.Equal(t, want, id.String())
		})
	}
	bad := map[string]error{
		"azure route with a Bedrock-looking name": bedrock.ErrNotBedrock,
		"prefix look-alike bedrockz":              bedrock.ErrNotBedrock,
		"upper-case provider":                     bedrock.ErrNotBedrock,
		"converse_like is not AWS":                bedrock.ErrNotBedrock,
		"unknown route label":                     bedrock.ErrInvalidModelID,
		"two API labels":                          bedrock.ErrInvalidModelID,
		"empty ID":                                bedrock.ErrInvalidModelID,
		"bad ID after label":                      bedrock.ErrInvalidModelID,
	}
	inputs := map[string]string{
		"azure route with a Bedrock-looking name": "azure/anthropic.claude-3-sonnet",
		"prefix look-alike bedrockz":              "bedrockz/anthropic.claude-v2",
		"upper-case provider":                     "Bedrock/anthropic.claude-v2",
		"converse_like is not AWS":                "bedrock/converse_like/anthropic.claude-v2",
		"unknown route label":                     "bedrock/mystery/anthropic.claude-v2",
		"two API labels":                          "bedrock/converse/invoke/anthropic.claude-v2",
		"empty ID":                                "bedrock/",
		"bad ID after label":                      "bedrock/converse/anthropic..claude",
	}
	for name, want := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := bedrock.ParseLiteLLM(inputs[name])
			assert.ErrorIs(t, err, want)
		})
	}
}
