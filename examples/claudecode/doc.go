// Package claudecode drives the real Claude Code CLI through the reference
// gateway, in its three modes (Bedrock with a bearer key or with a
// gateway-issued AWS key pair, whose signatures the gateway verifies;
// Vertex AI; and the Anthropic API), and checks what a user of a restricted key sees: an
// allowed model answers, a denied model stops at once instead of being
// retried for minutes, --fallback-model switches to an allowed model, and
// the model listings the CLI asks for contain only what the key may call.
//
// The test is part of the README's test command. It runs the pinned
// version of @anthropic-ai/claude-code, installing it with npm into the
// user's cache directory the first time (about 400 MB; MODELGATE_CLAUDE_BIN
// names an existing binary instead). Without npm it fails and says so.
// Every server listens on loopback, and the CLI runs with a temporary HOME
// and without telemetry or update checks.
package claudecode
