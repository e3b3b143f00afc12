package bedrock

import (
	"errors"
	"strconv"
	"strings"
)

// MaxLen is the longest model identifier [Parse] accepts, in bytes. It is the
// length limit Bedrock documents for the modelId member of its runtime
// operations; anything longer cannot be a model AWS would serve.
const MaxLen = 2048

// ErrInvalidModelID is the sentinel every [Parse] failure wraps. A
// [*ParseError] carries the detail.
var ErrInvalidModelID = errors.New("bedrock: invalid model ID")

// ParseError reports why a string is not a Bedrock model identifier. It
// unwraps to [ErrInvalidModelID].
type ParseError struct {
	Input  string // the rejected input, possibly truncated
	Reason string // which rule the input broke, e.g. "account is not 12 digits"
}

func (e *ParseError) Error() string {
	return "bedrock: invalid model ID " + strconv.Quote(e.Input) + ": " + e.Reason
}

// Unwrap returns [ErrInvalidModelID].
func (e *ParseError) Unwrap() error { return ErrInvalidModelID }

// Kind says which of Bedrock's identifier shapes a [ModelID] has.
type Kind uint8

// The kinds of model identifier. The zero Kind is KindInvalid, the kind of the
// zero [ModelID].
const (
	KindInvalid Kind = iota
	// KindBase is a base model ID: provider "." model [":" version [":" variant]],
	// e.g. anthropic.claude-3-5-sonnet-20241022-v2:0.
	KindBase
	// KindSystemProfile is a cross-Region (system-defined) inference profile
	// ID: a geography label, ".", and a base model ID, e.g.
	// us.anthropic.claude-3-5-sonnet-20241022-v2:0.
	KindSystemProfile
	// KindFoundationModelARN is arn:P:bedrock:R::foundation-model/{base ID}.
	KindFoundationModelARN
	// KindInferenceProfileARN is arn:P:bedrock:R:A:inference-profile/{system profile ID}.
	KindInferenceProfileARN
	// KindApplicationProfileARN is arn:P:bedrock:R:A:application-inference-profile/{id}.
	// It names no model: only configuration says what it serves.
	KindApplicationProfileARN
	// KindApplicationProfileShort is application-inference-profile/{id}
	// without the ARN prefix, the form some gateways put in their routes.
	// It matches a configured ARN only through an [Index].
	KindApplicationProfileShort
	// KindProvisionedModelARN is arn:P:bedrock:R:A:provisioned-model/{id}.
	KindProvisionedModelARN
	// KindCustomModelARN is arn:P:bedrock:R:A:custom-model/{base ID}/{id}
	// (or custom-model/imported/{id}).
	KindCustomModelARN
	// KindImportedModelARN is arn:P:bedrock:R:A:imported-model/{id}.
	KindImportedModelARN
	// KindCustomModelDeploymentARN is arn:P:bedrock:R:A:custom-model-deployment/{id}.
	KindCustomModelDeploymentARN
	// KindPromptARN is arn:P:bedrock:R:A:prompt/{id}[:{version}] (Prompt management).
	KindPromptARN
	// KindPromptRouterARN is arn:P:bedrock:R:A:prompt-router/{id} or
	// arn:P:bedrock:R:A:default-prompt-router/{name}.
	KindPromptRouterARN
	// KindMarketplaceEndpointARN is arn:P:sagemaker:R:A:endpoint/{name}, a
	// Bedrock Marketplace model deployed to a SageMaker endpoint.
	KindMarketplaceEndpointARN
)

var kindNames = [...]string{
	KindInvalid:                  "invalid",
	KindBase:                     "base-model",
	KindSystemProfile:            "system-inference-profile",
	KindFoundationModelARN:       "foundation-model-arn",
	KindInferenceProfileARN:      "inference-profile-arn",
	KindApplicationProfileARN:    "application-inference-profile-arn",
	KindApplicationProfileShort:  "application-inference-profile",
	KindProvisionedModelARN:      "provisioned-model-arn",
	KindCustomModelARN:           "custom-model-arn",
	KindImportedModelARN:         "imported-model-arn",
	KindCustomModelDeploymentARN: "custom-model-deployment-arn",
	KindPromptARN:                "prompt-arn",
	KindPromptRouterARN:          "prompt-router-arn",
	KindMarketplaceEndpointARN:   "marketplace-endpoint-arn",
}

// String returns a short lower-case name for the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// IsARN reports whether identifiers of this kind are ARNs.
func (k Kind) IsARN() bool {
	return k >= KindFoundationModelARN && k != KindApplicationProfileShort && int(k) < len(kindNames)
}

// ModelID is a parsed Bedrock model identifier: a base model ID, a
// system-defined inference profile ID, one of the ARN kinds, or the short
// application-inference-profile/{id} form. See the package documentation for
// the grammar and the equivalence rules.
//
// A ModelID is an immutable value, like [net/netip.Addr]: it is comparable,
// safe to copy and to use as a map key, and its zero value is invalid. Two
// ModelIDs are == exactly when their textual forms are identical, so a
// foundation-model ARN and its base ID are different values that denote the
// same model; compare them with [ModelID.Same] or [ModelID.Canonical].
type ModelID struct {
	s    string
	kind Kind
	geo  uint8 // length of the geography label, system profiles and inference-profile ARNs

	// Offsets into s; ARN kinds only.
	partEnd   uint16 // s[4:partEnd] is the partition
	regStart  uint16 // s[regStart:accStart-1] is the region
	accStart  uint16 // s[accStart:resType-1] is the account
	resType   uint16 // s[resType:resStart-1] is the resource type
	resStart  uint16 // s[resStart:] is the resource ID
	baseStart uint16 // base model ID inside s, when there is one (0 = none, except for KindBase)
}

// Parse parses s as a Bedrock model identifier. It accepts exactly the
// grammar in the package documentation and nothing else: no surrounding
// space, no case folding, no percent-decoding, no prefix or suffix matching.
// Decode a path segment before calling Parse, and decode it once.
//
// Parse does not allocate unless it returns an error.
func Parse(s string) (ModelID, error) {
	id, reason := parse(s)
	if reason != "" {
		in := s
		if len(in) > 128 {
			in = in[:128] + "..."
		}
		return ModelID{}, &ParseError{Input: in, Reason: reason}
	}
	return id, nil
}

// MustParse is like [Parse] but panics on error. It is meant for constants
// in tests and program initialisation.
func MustParse(s string) ModelID {
	id, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return id
}

// String returns the identifier exactly as it was parsed; "" for the zero
// ModelID. Parse(id.String()) == id for every valid id.
func (id ModelID) String() string { return id.s }

// IsValid reports whether id came from a successful [Parse].
func (id ModelID) IsValid() bool { return id.kind != KindInvalid }

// Kind returns the identifier's shape; KindInvalid for the zero ModelID.
func (id ModelID) Kind() Kind { return id.kind }

// Geo returns the geography label of a system-defined inference profile
// ("us", "eu", "apac", "global", ...), for KindSystemProfile and
// KindInferenceProfileARN; "" otherwise.
func (id ModelID) Geo() string {
	switch id.kind {
	case KindSystemProfile:
		return id.s[:id.geo]
	case KindInferenceProfileARN:
		return id.s[id.resStart : int(id.resStart)+int(id.geo)]
	}
	return ""
}

// Partition returns the ARN partition ("aws", "aws-cn", "aws-us-gov", ...);
// "" for identifiers that are not ARNs.
func (id ModelID) Partition() string {
	if !id.kind.IsARN() {
		return ""
	}
	return id.s[len("arn:"):id.partEnd]
}

// Region returns the ARN's Region ("us-east-1"); "" for identifiers that are
// not ARNs.
func (id ModelID) Region() string {
	if !id.kind.IsARN() {
		return ""
	}
	return id.s[id.regStart : id.accStart-1]
}

// Account returns the ARN's 12-digit account ID; "" for identifiers that are
// not ARNs and for foundation-model ARNs, which have none.
func (id ModelID) Account() string {
	if !id.kind.IsARN() {
		return ""
	}
	return id.s[id.accStart : id.resType-1]
}

// Resource returns the resource ID: what follows the resource type and its
// "/" in an ARN or in the short application-inference-profile form (for a
// custom model, "{base ID}/{id}"). For a base model ID or a system profile ID
// it returns the ID itself.
func (id ModelID) Resource() string {
	switch {
	case id.kind == KindBase || id.kind == KindSystemProfile:
		return id.s
	case id.kind == KindApplicationProfileShort || id.kind.IsARN():
		return id.s[id.resStart:]
	}
	return ""
}

// BaseModel returns the base model ID the identifier determines, and whether
// it determines one:
//
//   - a base ID returns itself;
//   - a foundation-model ARN returns the base ID it names;
//   - a system profile ID or inference-profile ARN returns the base ID after
//     the geography label. The profile is still a different model for
//     authorization ([ModelID.Canonical] keeps the label); BaseModel only
//     tells what the profile runs.
//
// Every other kind reports false: application inference profiles,
// provisioned and imported models, prompts and routers are opaque, and a
// custom model is a different model from the base it was trained from.
func (id ModelID) BaseModel() (ModelID, bool) {
	switch id.kind {
	case KindBase:
		return id, true
	case KindFoundationModelARN, KindSystemProfile, KindInferenceProfileARN:
		return ModelID{s: id.s[id.baseStart:], kind: KindBase}, true
	}
	return ModelID{}, false
}

// Canonical returns the equivalence key of id: two identifiers denote the
// same model for authorization exactly when their keys are equal.
//
//   - a foundation-model ARN's key is its base ID (any partition or Region);
//   - an inference-profile ARN's key is its system profile ID, geography
//     label included;
//   - every other identifier is its own key, so different geography labels,
//     application profiles, provisioned models, etc. never coincide.
//
// The key is a substring of String, so Canonical does not allocate. It
// returns "" for the zero ModelID.
func (id ModelID) Canonical() string {
	switch id.kind {
	case KindFoundationModelARN, KindInferenceProfileARN:
		return id.s[id.resStart:]
	}
	return id.s
}

// Same reports whether id and other are valid and denote the same model
// under the equivalence rules of [ModelID.Canonical].
func (id ModelID) Same(other ModelID) bool {
	return id.IsValid() && other.IsValid() && id.Canonical() == other.Canonical()
}

// MarshalText implements [encoding.TextMarshaler]. The zero ModelID encodes
// as an empty string.
func (id ModelID) MarshalText() ([]byte, error) { return []byte(id.s), nil }

// UnmarshalText implements [encoding.TextUnmarshaler]. An empty input yields
// the zero ModelID; anything else must [Parse].
func (id *ModelID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*id = ModelID{}
		return nil
	}
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// geos are the geography labels of system-defined (cross-Region) inference
// profiles. A label here followed by "." and a base ID is a profile, never a
// provider name. An unknown label parses as the provider of a base ID: it
// is then a model of its own that equals nothing else, so a missing label
// can mislabel an ID but never widen a match.
var geos = [...]string{"us", "eu", "apac", "global", "us-gov", "ca", "jp", "au"}

func isGeo(label string) bool {
	for _, g := range geos {
		if label == g {
			return true
		}
	}
	return false
}

const (
	shortPrefix = "application-inference-profile/"
	arnPrefix   = "arn:"
)

func parse(s string) (ModelID, string) {
	if s == "" {
		return ModelID{}, "empty"
	}
	if len(s) > MaxLen {
		return ModelID{}, "longer than 2048 bytes"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return ModelID{}, "contains a space, control or non-ASCII byte"
		}
	}
	switch {
	case strings.HasPrefix(s, arnPrefix):
		return parseARN(s)
	case strings.HasPrefix(s, shortPrefix):
		if !isOpaqueID(s[len(shortPrefix):]) {
			return ModelID{}, "application inference profile ID is not 1-64 lower-case letters and digits"
		}
		return ModelID{s: s, kind: KindApplicationProfileShort, resStart: uint16(len(shortPrefix))}, ""
	}
	kind, geo, reason := parseBare(s)
	if reason != "" {
		return ModelID{}, reason
	}
	id := ModelID{s: s, kind: kind, geo: uint8(geo)}
	if kind == KindSystemProfile {
		id.baseStart = uint16(geo + 1)
	}
	return id, ""
}

// parseBare parses a base model ID or a system profile ID and returns its
// kind and, for a profile, the length of its geography label.
func parseBare(s string) (Kind, int, string) {
	first, rest, ok := strings.Cut(s, ".")
	if !ok {
		return KindInvalid, 0, "not of the form provider.model"
	}
	if isGeo(first) {
		if r := checkBase(rest); r != "" {
			return KindInvalid, 0, "geography prefix is not followed by a base model ID"
		}
		return KindSystemProfile, len(first), ""
	}
	if r := checkBase(s); r != "" {
		return KindInvalid, 0, r
	}
	return KindBase, 0, ""
}

// checkBase validates provider "." name [":" version [":" variant]], every
// part lower-case letters, digits and inner hyphens, the name made of one or
// more dot-separated labels. The provider must not be a geography label.
func checkBase(s string) string {
	provider, rest, ok := strings.Cut(s, ".")
	if !ok {
		return "not of the form provider.model"
	}
	if !isLabel(provider) {
		return "provider is not lower-case letters, digits and inner hyphens"
	}
	if isGeo(provider) {
		return "more than one geography prefix"
	}
	name, version, hasVersion := strings.Cut(rest, ":")
	for name != "" {
		var label string
		label, name, ok = strings.Cut(name, ".")
		if !isLabel(label) || (ok && name == "") {
			return "model name is not dot-separated labels of lower-case letters, digits and inner hyphens"
		}
	}
	if rest == "" || rest[0] == ':' {
		return "empty model name"
	}
	if hasVersion {
		v1, v2, two := strings.Cut(version, ":")
		if !isLabel(v1) || (two && !isLabel(v2)) {
			return "version is not one or two colon-separated labels"
		}
	}
	return ""
}

// isLabel reports whether s is 1-63 of [a-z0-9-], starting and ending with a
// letter or digit.
func isLabel(s string) bool {
	return only(s, 63, lower|digit|hyphen) && s[0] != '-' && s[len(s)-1] != '-'
}

// Byte classes of the identifier grammar, for only.
const (
	lower  = 1 << iota // a-z
	upper              // A-Z
	digit              // 0-9
	hyphen             // -
)

// classOf maps each byte to its class bits (0: in no class).
var classOf = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = lower
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = upper
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = digit
	}
	t['-'] = hyphen
	return t
}()

// only reports whether s is 1 to max bytes, each in one of the classes
// of mask: the one loop under every field rule of the grammar.
func only(s string, max int, mask uint8) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if classOf[s[i]]&mask == 0 {
			return false
		}
	}
	return true
}

// isOpaqueID reports whether s is 1-64 of [a-z0-9], the shape of the
// generated IDs of application inference profiles, provisioned, custom and
// imported models and deployments (AWS makes them 12 long; we do not depend
// on the exact length).
func isOpaqueID(s string) bool { return only(s, 64, lower|digit) }

// partitions maps each ARN partition to the prefix its Regions carry ("" for
// the commercial partition, whose Regions carry none of the others').
var partitions = [...]struct{ name, region string }{
	{"aws", ""},
	{"aws-cn", "cn-"},
	{"aws-us-gov", "us-gov-"},
	{"aws-iso", "us-iso-"},
	{"aws-iso-b", "us-isob-"},
	{"aws-iso-e", "eu-isoe-"},
	{"aws-iso-f", "us-isof-"},
	{"aws-eusc", "eusc-"},
}

// regionPartition returns the partition a Region belongs to by its prefix.
func regionPartition(region string) string {
	for _, p := range partitions[1:] {
		if strings.HasPrefix(region, p.region) {
			return p.name
		}
	}
	return "aws"
}

func isPartition(p string) bool {
	for _, x := range partitions {
		if x.name == p {
			return true
		}
	}
	return false
}

// IsRegion reports whether s has the shape of an AWS Region code:
// lower-case words joined by hyphens ending in a number, e.g. us-east-1,
// us-gov-west-1, ap-southeast-5, eusc-de-east-1. It is the rule ARNs are
// parsed with, and the one a signer should hold its configured Region to,
// since the Region becomes part of a host name and a credential scope.
func IsRegion(s string) bool {
	if len(s) < 4 || len(s) > 25 {
		return false
	}
	words := 0
	for s != "" {
		var w string
		w, s, _ = strings.Cut(s, "-")
		if w == "" {
			return false
		}
		digits, letters := 0, 0
		for i := 0; i < len(w); i++ {
			switch c := w[i]; {
			case c >= 'a' && c <= 'z':
				letters++
			case c >= '0' && c <= '9':
				digits++
			default:
				return false
			}
		}
		last := s == ""
		switch {
		case last && (digits != len(w) || len(w) > 2 || words < 2):
			return false
		case !last && letters != len(w):
			return false
		}
		words++
	}
	return true
}

func isAccount(s string) bool { return len(s) == 12 && only(s, 12, digit) }

// parseARN parses arn:partition:service:region:account:type/resource: the
// fields every ARN shares here, then the resource by its service and type.
func parseARN(s string) (ModelID, string) {
	rest := s[len(arnPrefix):]
	partition, rest, ok1 := strings.Cut(rest, ":")
	service, rest, ok2 := strings.Cut(rest, ":")
	region, rest, ok3 := strings.Cut(rest, ":")
	account, rest, ok4 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return ModelID{}, "ARN has fewer than six colon-separated fields"
	}
	if !isPartition(partition) {
		return ModelID{}, "unknown ARN partition"
	}
	if !IsRegion(region) {
		return ModelID{}, "ARN Region is not a Region code"
	}
	if regionPartition(region) != partition {
		return ModelID{}, "ARN Region is not in the ARN partition"
	}
	resType, res, ok := strings.Cut(rest, "/")
	if !ok {
		return ModelID{}, "ARN resource has no type/ID"
	}
	id := ModelID{
		s:        s,
		partEnd:  uint16(len(arnPrefix) + len(partition)),
		regStart: uint16(len(arnPrefix) + len(partition) + 1 + len(service) + 1),
	}
	id.accStart = id.regStart + uint16(len(region)) + 1
	id.resType = id.accStart + uint16(len(account)) + 1
	id.resStart = id.resType + uint16(len(resType)) + 1

	var reason string
	switch service {
	case "sagemaker":
		reason = sageMakerARN(&id, account, resType, res)
	case "bedrock":
		reason = bedrockARN(&id, account, resType, res)
	default:
		reason = "ARN service is neither bedrock nor sagemaker"
	}
	if reason != "" {
		return ModelID{}, reason
	}
	return id, ""
}

// sageMakerARN parses the resource of a sagemaker ARN: only a
// Marketplace model's endpoint is served by Bedrock.
func sageMakerARN(id *ModelID, account, resType, res string) string {
	if resType != "endpoint" {
		return "sagemaker ARN is not an endpoint"
	}
	if !isAccount(account) {
		return "account is not 12 digits"
	}
	if !isEndpointName(res) {
		return "SageMaker endpoint name is not 1-63 letters, digits and inner hyphens"
	}
	id.kind = KindMarketplaceEndpointARN
	return ""
}

// bedrockARN parses the type/resource of a bedrock ARN. Only a
// foundation model has no account; every other type needs one.
func bedrockARN(id *ModelID, account, resType, res string) string {
	if resType == "foundation-model" {
		if account != "" {
			return "foundation-model ARN has an account"
		}
		return foundationModelARN(id, res)
	}
	if !isAccount(account) {
		return "account is not 12 digits"
	}
	switch resType {
	case "inference-profile":
		return inferenceProfileARN(id, res)
	case "application-inference-profile":
		return opaqueARN(id, KindApplicationProfileARN, res)
	case "provisioned-model":
		return opaqueARN(id, KindProvisionedModelARN, res)
	case "imported-model":
		return opaqueARN(id, KindImportedModelARN, res)
	case "custom-model-deployment":
		return opaqueARN(id, KindCustomModelDeploymentARN, res)
	case "custom-model":
		return customModelARN(id, res)
	case "prompt":
		return promptARN(id, res)
	case "prompt-router", "default-prompt-router":
		return promptRouterARN(id, res)
	}
	return "unsupported Bedrock resource type"
}

// foundationModelARN parses foundation-model/{base model ID}.
func foundationModelARN(id *ModelID, res string) string {
	k, _, r := parseBare(res)
	if r != "" {
		return r
	}
	if k != KindBase {
		return "foundation-model ARN names an inference profile"
	}
	id.kind = KindFoundationModelARN
	id.baseStart = id.resStart
	return ""
}

// inferenceProfileARN parses inference-profile/{geo}.{base model ID}.
func inferenceProfileARN(id *ModelID, res string) string {
	k, geo, r := parseBare(res)
	if r != "" {
		return r
	}
	if k != KindSystemProfile {
		return "inference-profile ARN does not name a system inference profile"
	}
	id.kind, id.geo = KindInferenceProfileARN, uint8(geo)
	id.baseStart = id.resStart + uint16(geo) + 1
	return ""
}

// opaqueARN parses the resource types whose ID is generated by AWS and
// says nothing about the model behind it.
func opaqueARN(id *ModelID, kind Kind, res string) string {
	if !isOpaqueID(res) {
		return "resource ID is not 1-64 lower-case letters and digits"
	}
	id.kind = kind
	return ""
}

// customModelARN parses custom-model/{base model ID or "imported"}/{id}.
func customModelARN(id *ModelID, res string) string {
	from, mid, ok := strings.Cut(res, "/")
	if !ok {
		return "custom-model ARN is not custom-model/{base model}/{id}"
	}
	if from != "imported" {
		if k, _, r := parseBare(from); r != "" || k != KindBase {
			return "custom-model ARN does not start with a base model ID"
		}
	}
	if !isOpaqueID(mid) {
		return "custom model ID is not 1-64 lower-case letters and digits"
	}
	id.kind = KindCustomModelARN
	return ""
}

// promptARN parses prompt/{id}[:{version}].
func promptARN(id *ModelID, res string) string {
	name, version, hasVersion := strings.Cut(res, ":")
	if !isAlnum(name, 64) || (hasVersion && !isDigits(version, 5)) {
		return "prompt ARN is not prompt/{id}[:{version}]"
	}
	id.kind = KindPromptARN
	return ""
}

// promptRouterARN parses prompt-router/{id} and default-prompt-router/{name}.
func promptRouterARN(id *ModelID, res string) string {
	if !isRouterName(res) {
		return "prompt router ID is malformed"
	}
	id.kind = KindPromptRouterARN
	return ""
}

func isAlnum(s string, max int) bool { return only(s, max, lower|upper|digit) }

func isDigits(s string, max int) bool { return only(s, max, digit) }

// isEndpointName checks SageMaker's endpoint name rule:
// [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}.
func isEndpointName(s string) bool {
	return only(s, 63, lower|upper|digit|hyphen) && s[0] != '-' && s[len(s)-1] != '-'
}

// isRouterName accepts a prompt router ID or a default router name such as
// anthropic.claude:1: labels of [a-z0-9-] separated by single '.' or ':'.
func isRouterName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' || s[i] == ':' {
			if !isLabel(s[start:i]) {
				return false
			}
			start = i + 1
		}
	}
	return true
}
