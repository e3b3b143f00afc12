// Package bedrock parses Amazon Bedrock model identifiers into comparable
// values and decides which of them name the same model.
//
// Bedrock accepts one model under many names: a base model ID, a
// system-defined (cross-Region) inference profile with a geography prefix,
// a foundation-model ARN, an inference-profile ARN, and an application
// inference profile ARN that reveals no model at all. A gateway operator
// configures one of these names; a client may send another. This package
// turns each into a [ModelID] and states, in one place, which names are
// equivalent, so an authorization check and the code that dispatches the
// request agree on what model was asked for.
//
// It decides nothing about who may call what: that is the policy's job. It
// does no I/O and imports only the standard library. Signing forwarded
// requests lives in the [github.com/modelgate/modelgate/bedrock/sigv4]
// subpackage so that this one stays dependency-free.
//
// # Grammar
//
// [Parse] accepts exactly these forms, byte for byte (printable ASCII, at most
// [MaxLen] bytes, no case folding, no percent-decoding, no trimming):
//
//	base ID         provider "." name [":" version [":" variant]]
//	                anthropic.claude-3-5-sonnet-20241022-v2:0
//	                amazon.titan-text-express-v1:0:8k
//	system profile  geo "." base-ID        geo ∈ us eu apac global us-gov ca jp au
//	                us.anthropic.claude-3-5-sonnet-20241022-v2:0
//	ARN             "arn:" partition ":" service ":" region ":" account ":" type "/" id
//	short profile   "application-inference-profile/" id
//
// Labels in base IDs (provider, each dot-separated part of the name,
// version, variant) are 1-63 of [a-z0-9-] and neither start nor end with a
// hyphen. The partition must be known (aws, aws-cn, aws-us-gov, aws-iso,
// aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc) and agree with the Region's
// prefix (cn-, us-gov-, ...); the Region must look like a Region code; the
// account is empty for foundation-model ARNs and 12 digits for every other
// ARN. Service and resource type must be one of:
//
//	bedrock    foundation-model/{base ID}
//	bedrock    inference-profile/{system profile ID}
//	bedrock    application-inference-profile/{id}
//	bedrock    provisioned-model/{id}
//	bedrock    custom-model/{base ID}/{id}, custom-model/imported/{id}
//	bedrock    imported-model/{id}
//	bedrock    custom-model-deployment/{id}
//	bedrock    prompt/{id}[:{version}]
//	bedrock    prompt-router/{id}, default-prompt-router/{name}
//	sagemaker  endpoint/{name}                  (Bedrock Marketplace models)
//
// Generated IDs ({id}) are 1-64 of [a-z0-9]; prompt IDs may also hold
// upper-case letters. Anything else is an error wrapping
// [ErrInvalidModelID]: an unknown resource type, a wrong service, "..", a
// leading or trailing "/", a space, a percent sign. Failing to parse is
// the safe outcome, since the caller then has no model to authorize.
//
// # Equivalence
//
// A ModelID is == to another exactly when their texts are identical, so
// Parse(id.String()) == id always holds. Equivalence for authorization is a
// separate, explicit key, [ModelID.Canonical]:
//
//   - A foundation-model ARN is the same model as its base ID, in any
//     partition or Region: the ARN is only the fully qualified name of the
//     same foundation model, and Bedrock serves both identically.
//   - An inference-profile ARN is the same as its system profile ID.
//   - Different geography prefixes are different models. A us. profile
//     keeps inference inside United States Regions, an eu. profile inside
//     the EU, and global. may route to any commercial Region; an operator
//     who granted eu.anthropic... for data-residency reasons has not
//     granted global.anthropic... or the base model. Nor is a profile the
//     same as its base model: [ModelID.BaseModel] reports what a profile
//     runs, but Canonical keeps the prefix.
//   - An application inference profile is opaque: its ARN names no model,
//     so it matches only itself. The short form
//     application-inference-profile/{id}, which carries no account or
//     Region, is matched by an [Index] to every configured ARN with that
//     ID (each must then be allowed), and to nothing when there is none.
//   - Every other ARN (provisioned, custom, imported, deployment, prompt,
//     router, marketplace endpoint) matches only itself.
//
// Nothing is ever matched by prefix or suffix: a suffix match would let a
// group serving azure/anthropic.claude-3-sonnet grant a Bedrock model, or
// an ARN in one account grant a look-alike in another.
//
// # Matching requests to configuration
//
// A resolver builds an [Index] once from its deployment list, using
// [ParseLiteLLM] for litellm_params.model strings such as
// bedrock/converse/us.anthropic.claude-3-5-sonnet-20241022-v2:0 and [Parse]
// for bare IDs and ARNs, then calls [Index.Lookup] with each model a request
// names. Lookup parses and matches without allocating.
package bedrock
