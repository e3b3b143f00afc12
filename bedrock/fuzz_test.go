package bedrock_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/modelgate/modelgate/bedrock"
)

// A reference grammar for bare IDs (base models and system profiles),
// written independently from the parser as regular expressions.
var (
	refLabel   = `[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?`
	refBase    = refLabel + `\.` + refLabel + `(?:\.` + refLabel + `)*(?::` + refLabel + `){0,2}`
	refGeo     = `(?:us|eu|apac|global|us-gov|ca|jp|au)`
	refBaseRe  = regexp.MustCompile(`^` + refBase + `$`)
	refGeoLead = regexp.MustCompile(`^` + refGeo + `\.`)
)

// refBare returns the kind the reference grammar assigns to a string
// without "arn:" or "/": base, system profile, or invalid.
func refBare(s string) bedrock.Kind {
	if len(s) > bedrock.MaxLen {
		return bedrock.KindInvalid
	}
	if refGeoLead.MatchString(s) {
		rest := s[strings.IndexByte(s, '.')+1:]
		if refBaseRe.MatchString(rest) && !refGeoLead.MatchString(rest) {
			return bedrock.KindSystemProfile
		}
		return bedrock.KindInvalid
	}
	if refBaseRe.MatchString(s) {
		return bedrock.KindBase
	}
	return bedrock.KindInvalid
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"anthropic.claude-3-5-sonnet-20241022-v2:0",
		"us.anthropic.claude-3-5-sonnet-20241022-v2:0",
		"global.anthropic.claude-sonnet-4-5-20250929-v1:0",
		"amazon.titan-text-express-v1:0:8k",
		"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
		"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz",
		"arn:aws:bedrock:us-east-1:123456789012:provisioned-model/a1b2c3d4e5f6",
		"arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.titan-text-express-v1:0:8k/a1b2c3d4e5f6",
		"arn:aws:bedrock:us-east-1:123456789012:imported-model/r4c4kewx2s0n",
		"arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT12345:1",
		"arn:aws:sagemaker:us-west-2:123456789012:endpoint/my-endpoint",
		"arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/anthropic.claude-v2",
		"application-inference-profile/abc123xyz",
		"us.eu.anthropic.claude", "anthropic..claude", "us.claude", "", "arn:", "arn:aws:bedrock:::/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := bedrock.Parse(s)
		if err != nil {
			require.ErrorIs(t, err, bedrock.ErrInvalidModelID)
			require.Equal(t, bedrock.ModelID{}, id)
			require.Equal(t, "", id.String())
		} else {
			require.True(t, id.IsValid())
			require.Equal(t, s, id.String())
			again, err := bedrock.Parse(id.String())
			require.NoError(t, err)
			require.Equal(t, id, again)

			key := id.Canonical()
			require.NotEmpty(t, key)
			require.True(t, strings.HasSuffix(s, key), "the key is a suffix of the text")
			require.True(t, id.Same(id))
			if id.Kind().IsARN() {
				require.NotEmpty(t, id.Partition())
				require.NotEmpty(t, id.Region())
				require.True(t, strings.HasPrefix(s, "arn:"+id.Partition()+":"))
			}
			if base, ok := id.BaseModel(); ok {
				require.Equal(t, bedrock.KindBase, base.Kind())
				b2, err := bedrock.Parse(base.String())
				require.NoError(t, err)
				require.Equal(t, base, b2)
			}
			for _, c := range []byte(s) {
				require.True(t, c > ' ' && c < 0x7f)
			}
		}

		// Agreement with the reference grammar for bare IDs.
		if !strings.HasPrefix(s, "arn:") && !strings.Contains(s, "/") {
			want := refBare(s)
			assert.Equal(t, want, id.Kind(), "%q", s)
		}
	})
}
