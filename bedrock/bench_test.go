package bedrock_test

import (
	"strings"
	"testing"

	"github.com/modelgate/modelgate/bedrock"
)

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"base", "anthropic.claude-3-5-sonnet-20241022-v2:0"},
		{"profile", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{"inference-profile-arn", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0"},
		{"app-profile-arn", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz"},
		// Adversarial: the longest accepted input, a name of 2048 bytes
		// made of many short labels.
		{"adversarial-max-labels", "anthropic." + strings.Repeat("a.", (bedrock.MaxLen-len("anthropic.")-1)/2) + "a"},
		{"adversarial-reject-late", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + strings.Repeat("a", 1900) + "..x"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				_, _ = bedrock.Parse(bc.in)
			}
		})
	}
}

func BenchmarkIndexLookup(b *testing.B) {
	var entries []bedrock.Entry[string]
	for _, m := range []string{
		"anthropic.claude-3-5-sonnet-20241022-v2:0", "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
		"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz",
	} {
		entries = append(entries, bedrock.Entry[string]{ID: bedrock.MustParse(m), Value: m})
	}
	ix, err := bedrock.NewIndex(entries...)
	if err != nil {
		b.Fatal(err)
	}
	for _, req := range []string{
		"arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0",
		"application-inference-profile/abc123xyz",
	} {
		b.Run(req[:12], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := ix.Lookup(req); !ok {
					b.Fatal("no match")
				}
			}
		})
	}
}
