package bedrock_test

import (
	"fmt"

	"github.com/modelgate/modelgate/bedrock"
)

func ExampleParse() {
	id, err := bedrock.Parse("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0")
	if err != nil {
		panic(err)
	}
	base, _ := id.BaseModel()
	fmt.Println(id.Kind(), id.Region(), id.Account())
	fmt.Println("geo:", id.Geo())
	fmt.Println("key:", id.Canonical())
	fmt.Println("runs:", base)

	_, err = bedrock.Parse("US.anthropic.claude-v2")
	fmt.Println(err)
	// Output:
	// inference-profile-arn us-east-1 123456789012
	// geo: us
	// key: us.anthropic.claude-3-5-sonnet-20241022-v2:0
	// runs: anthropic.claude-3-5-sonnet-20241022-v2:0
	// bedrock: invalid model ID "US.anthropic.claude-v2": provider is not lower-case letters, digits and inner hyphens
}

func ExampleModelID_Same() {
	arn := bedrock.MustParse("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2")
	base := bedrock.MustParse("anthropic.claude-v2")
	us := bedrock.MustParse("us.anthropic.claude-v2")
	global := bedrock.MustParse("global.anthropic.claude-v2")
	fmt.Println(arn == base, arn.Same(base))
	fmt.Println(us.Same(global), us.Same(base))
	// Output:
	// false true
	// false false
}

func ExampleIndex_Lookup() {
	var entries []bedrock.Entry[string]
	for _, d := range []struct{ model, group string }{
		{"bedrock/converse/anthropic.claude-3-5-sonnet-20241022-v2:0", "sonnet"},
		{"bedrock/us.anthropic.claude-3-5-sonnet-20241022-v2:0", "sonnet-us"},
		{"bedrock/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123xyz", "team-profile"},
	} {
		id, err := bedrock.ParseLiteLLM(d.model)
		if err != nil {
			panic(err)
		}
		entries = append(entries, bedrock.Entry[string]{ID: id, Value: d.group})
	}
	ix, err := bedrock.NewIndex(entries...)
	if err != nil {
		panic(err)
	}
	for _, requested := range []string{
		"arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0",
		"us.anthropic.claude-3-5-sonnet-20241022-v2:0",
		"global.anthropic.claude-3-5-sonnet-20241022-v2:0",
		"application-inference-profile/abc123xyz",
	} {
		groups, ok := ix.Lookup(requested)
		fmt.Println(groups, ok)
	}
	// Output:
	// [sonnet] true
	// [sonnet-us] true
	// [] false
	// [team-profile] true
}

func ExampleIsRegion() {
	for _, s := range []string{"us-east-1", "us-gov-west-1", "eusc-de-east-1", "US-EAST-1", "us-east", "us-east-1.example.com"} {
		fmt.Println(s, bedrock.IsRegion(s))
	}
	// Output:
	// us-east-1 true
	// us-gov-west-1 true
	// eusc-de-east-1 true
	// US-EAST-1 false
	// us-east false
	// us-east-1.example.com false
}
