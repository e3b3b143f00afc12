// Package repro replays the original report against the reference gateway:
// a key limited to the access group "common-models" asked for
// claude-opus-4-7 (not in that group) on three standard routes and four
// Bedrock routes, plus an application inference profile that deploys the
// same model, once with the restricted key and once with a key allowed
// every model.
//
// The bug being reproduced: the Bedrock routes did not check the model, so
// the restricted key reached the upstream. Fixed means every restricted
// request is refused before the upstream sees it and every allowed request
// reaches it.
package repro

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/modelgate/modelgate/examples/internal/gateway"
)

// Keys of the seed scenario (examples/internal/gateway/default.yaml).
const (
	RestrictedKey = "sk-restricted"
	AllowedKey    = "sk-allowed"
)

// Case is one request of the report.
type Case struct {
	Name   string // short label for the table
	Method string
	Path   string // escaped, as sent on the request line
	Header map[string]string
	Body   string
	// Upstream is the provider whose upstream an allowed request reaches.
	Upstream string
	// Model is the model the upstream must see, decoded.
	Model string
}

const (
	opusBedrock = "global.anthropic.claude-opus-4-7"
	profileID   = "opus47prof01"
	profileARN  = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + profileID
)

// escapeARN percent-encodes an ARN the way the AWS SDKs put it in a path
// segment (':' and '/' escaped).
func escapeARN(s string) string {
	return strings.NewReplacer(":", "%3A", "/", "%2F").Replace(s)
}

// Cases returns the requests of the report. The key is filled in by [Run].
func Cases() []Case {
	chat := `{"model":"claude-opus-4-7","messages":[{"role":"user","content":"hi"}]}`
	messages := `{"model":"claude-opus-4-7","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
	invoke := `{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
	converse := `{"messages":[{"role":"user","content":[{"text":"hi"}]}]}`
	anthropicHeaders := map[string]string{"anthropic-version": "2023-06-01"}
	bedrock := func(name, model, action, body, want string) Case {
		return Case{
			Name: name, Method: http.MethodPost,
			Path: "/bedrock/model/" + model + "/" + action, Body: body, Upstream: "bedrock", Model: want,
		}
	}
	return []Case{
		{Name: "POST /chat/completions", Method: http.MethodPost, Path: "/chat/completions", Body: chat, Upstream: "openai", Model: "claude-opus-4-7"},
		{Name: "POST /v1/messages", Method: http.MethodPost, Path: "/v1/messages", Body: messages, Header: anthropicHeaders, Upstream: "anthropic", Model: "claude-opus-4-7"},
		{Name: "POST /anthropic/v1/messages", Method: http.MethodPost, Path: "/anthropic/v1/messages", Body: messages, Header: anthropicHeaders, Upstream: "anthropic", Model: "claude-opus-4-7"},
		bedrock("POST /bedrock/model/"+opusBedrock+"/invoke", opusBedrock, "invoke", invoke, opusBedrock),
		bedrock("POST /bedrock/model/"+opusBedrock+"/invoke-with-response-stream", opusBedrock, "invoke-with-response-stream", invoke, opusBedrock),
		bedrock("POST /bedrock/model/"+opusBedrock+"/converse", opusBedrock, "converse", converse, opusBedrock),
		bedrock("POST /bedrock/model/"+opusBedrock+"/converse-stream", opusBedrock, "converse-stream", converse, opusBedrock),
		bedrock("POST /bedrock/model/application-inference-profile/"+profileID+"/invoke", "application-inference-profile/"+profileID, "invoke", invoke, "application-inference-profile/"+profileID),
		bedrock("POST /bedrock/model/{profile ARN, escaped}/invoke", escapeARN(profileARN), "invoke", invoke, profileARN),
	}
}

// Result is the outcome of one case with one key.
type Result struct {
	Case      Case
	Key       string
	Status    int
	ErrorType string // the provider-dialect error type of a deny, "" on success
	Reached   bool   // some upstream received the request
	// UpstreamModel is the model the upstream saw ("" when not reached).
	UpstreamModel string
	Err           error // transport error, if any
}

// Restricted reports whether the result is for the restricted key.
func (r Result) Restricted() bool { return r.Key == RestrictedKey }

// OK reports whether the result is what the fix promises: restricted
// requests denied before the upstream, allowed ones forwarded and
// successful.
func (r Result) OK() bool {
	if r.Err != nil {
		return false
	}
	if r.Restricted() {
		return !r.Reached && r.Status >= 400 && r.Status < 500
	}
	return r.Reached && r.Status >= 200 && r.Status < 300
}

// Run starts the reference gateway in-process on a loopback port with the
// seed scenario and mock upstreams, sends every case with both keys and
// returns the results. Gateway decision logs go to logw (nil: discarded).
func Run(ctx context.Context, logw io.Writer) ([]Result, error) {
	cfg, err := gateway.ParseConfig(gateway.DefaultConfig)
	if err != nil {
		return nil, err
	}
	mocks, err := cfg.StartMocks()
	if err != nil {
		return nil, err
	}
	defer func() { _ = mocks.Close() }()
	if logw == nil {
		logw = io.Discard
	}
	// Debug: the middleware logs allowed decisions at Debug, denials at Warn.
	logger := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	gw, err := gateway.New(cfg, gateway.Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 30 * time.Second}

	var results []Result
	for _, key := range []string{RestrictedKey, AllowedKey} {
		for _, c := range Cases() {
			mocks.Reset()
			res := Result{Case: c, Key: key}
			res.Status, res.ErrorType, res.Err = send(ctx, client, base, c, key)
			for name, m := range mocks {
				if reqs := m.Requests(); len(reqs) > 0 {
					res.Reached = true
					res.UpstreamModel = name + ": " + reqs[0].Model()
				}
			}
			results = append(results, res)
		}
	}
	return results, nil
}

// send sends one case. Bedrock routes carry the key as a bearer token, the
// way the AWS SDKs send AWS_BEARER_TOKEN_BEDROCK; Anthropic routes as
// x-api-key; OpenAI routes as a bearer token.
func send(ctx context.Context, client *http.Client, base string, c Case, key string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, c.Method, base+c.Path, strings.NewReader(c.Body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range c.Header {
		req.Header.Set(k, v)
	}
	if c.Upstream == "anthropic" {
		req.Header.Set("x-api-key", key)
	} else {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, "", err
	}
	if resp.StatusCode < 300 {
		return resp.StatusCode, "", nil
	}
	return resp.StatusCode, errorType(resp.Header, body), nil
}

// errorType reads the error type of a deny in whichever dialect it is
// written: Bedrock's X-Amzn-ErrorType header, Anthropic's
// {"type":"error","error":{"type"}}, OpenAI's {"error":{"type"}} or
// Google's {"error":{"status"}}.
func errorType(h http.Header, body []byte) string {
	if t := h.Get("X-Amzn-Errortype"); t != "" {
		t, _, _ = strings.Cut(t, ":")
		return t
	}
	var v struct {
		Error struct {
			Type   string `json:"type"`
			Status string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "(unparsed)"
	}
	if v.Error.Type != "" {
		return v.Error.Type
	}
	return v.Error.Status
}

// PrintTable writes the results as an aligned table and returns whether
// every result is OK.
func PrintTable(w io.Writer, results []Result) bool {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tKEY\tSTATUS\tERROR TYPE\tREACHED UPSTREAM\tUPSTREAM SAW\tVERDICT")
	all := true
	for _, r := range results {
		status := fmt.Sprint(r.Status)
		if r.Err != nil {
			status = "error: " + r.Err.Error()
		}
		reached := "no"
		if r.Reached {
			reached = "yes"
		}
		et := r.ErrorType
		if et == "" {
			et = "-"
		}
		saw := r.UpstreamModel
		if saw == "" {
			saw = "-"
		}
		verdict := "ok"
		if !r.OK() {
			verdict = "FAIL"
			all = false
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Case.Name, r.Key, status, et, reached, saw, verdict)
	}
	_ = tw.Flush()
	return all
}

// Summary is a one-line verdict for the results.
func Summary(results []Result) string {
	var leaked, failed int
	for _, r := range results {
		switch {
		case r.Restricted() && r.Reached:
			leaked++
		case !r.OK():
			failed++
		}
	}
	var b bytes.Buffer
	if leaked == 0 && failed == 0 {
		fmt.Fprintf(&b, "PASS: %d requests; every restricted request was denied before the upstream, every allowed one reached it.", len(results))
		return b.String()
	}
	fmt.Fprintf(&b, "FAIL: %d restricted request(s) reached the upstream, %d other unexpected result(s).", leaked, failed)
	return b.String()
}
