package conformance_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/genai"
)

func requireGoogleDenied(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	var ge genai.APIError
	require.True(t, errors.As(err, &ge), "want genai.APIError, got %T: %v", err, err)
	require.Equal(t, http.StatusForbidden, ge.Code)
	require.Equal(t, "PERMISSION_DENIED", ge.Status)
}

// genaiClients are the Google Gen AI SDK on both backends, pointed at the
// gateway with a base URL override. The Gemini API backend sends the key
// as x-goog-api-key. The Vertex backend takes OAuth credentials; giving it
// an HTTP client skips Application Default Credentials, and that client
// carries the gateway key as a bearer token, where an OAuth token would go.
func genaiClients(t *testing.T, e *env, key string) []struct {
	name, upstream string
	client         *genai.Client
} {
	ctx := context.Background()
	gemini, err := genai.NewClient(ctx, &genai.ClientConfig{
		Backend:     genai.BackendGeminiAPI,
		APIKey:      key,
		HTTPClient:  e.client,
		HTTPOptions: genai.HTTPOptions{BaseURL: e.url + "/gemini/"},
	})
	require.NoError(t, err)
	bearer := &http.Client{Transport: headerTransport{
		header: http.Header{"Authorization": {"Bearer " + key}},
		base:   e.client.Transport,
	}}
	vertex, err := genai.NewClient(ctx, &genai.ClientConfig{
		Backend:     genai.BackendVertexAI,
		Project:     "demo-project",
		Location:    "us-central1",
		HTTPClient:  bearer,
		HTTPOptions: genai.HTTPOptions{BaseURL: e.url + "/vertex_ai/"},
	})
	require.NoError(t, err)
	return []struct {
		name, upstream string
		client         *genai.Client
	}{
		{"gemini api", "gemini", gemini},
		{"vertex ai", "vertex", vertex},
	}
}

func TestGenAISDK(t *testing.T) {
	ctx := context.Background()
	type call struct {
		name string
		// model per backend: Gemini embeds with gemini-embedding-001
		// (batchEmbedContents), Vertex with text-embedding-005 (predict).
		model func(backend string) string
		run   func(t *testing.T, c *genai.Client, model string) error
	}
	pro := func(string) string { return "gemini-2.5-pro" }
	calls := []call{
		{"Models.GenerateContent", pro, func(t *testing.T, c *genai.Client, model string) error {
			res, err := c.Models.GenerateContent(ctx, model, genai.Text("hi"), nil)
			if err == nil {
				require.Equal(t, "hello from "+model, res.Text())
			}
			return err
		}},
		{"Models.GenerateContentStream", pro, func(t *testing.T, c *genai.Client, model string) error {
			var text strings.Builder
			n := 0
			for res, err := range c.Models.GenerateContentStream(ctx, model, genai.Text("hi"), nil) {
				if err != nil {
					return err
				}
				n++
				text.WriteString(res.Text())
			}
			require.Equal(t, 2, n, "stream chunks")
			require.Equal(t, "hello from "+model, text.String())
			return nil
		}},
		{"Models.CountTokens", pro, func(t *testing.T, c *genai.Client, model string) error {
			res, err := c.Models.CountTokens(ctx, model, genai.Text("hi"), nil)
			if err == nil {
				require.Equal(t, int32(3), res.TotalTokens)
			}
			return err
		}},
		{"Models.EmbedContent", func(b string) string {
			if b == "vertex" {
				return "text-embedding-005"
			}
			return "gemini-embedding-001"
		}, func(t *testing.T, c *genai.Client, model string) error {
			res, err := c.Models.EmbedContent(ctx, model, genai.Text("hi"), nil)
			if err == nil {
				require.Len(t, res.Embeddings, 1)
				require.Equal(t, []float32{0.25, 0.5}, res.Embeddings[0].Values)
			}
			return err
		}},
		// Vertex sends Gemini embedding models to :embedContent instead
		// of :predict.
		{"Models.EmbedContent (embedContent)", func(b string) string {
			if b == "vertex" {
				return "gemini-embedding-2"
			}
			return ""
		}, func(t *testing.T, c *genai.Client, model string) error {
			res, err := c.Models.EmbedContent(ctx, model, genai.Text("hi"), nil)
			if err == nil {
				require.Len(t, res.Embeddings, 1)
			}
			return err
		}},
	}
	for _, k := range keys {
		for _, c := range genaiClients(t, shared, k.key) {
			for _, call := range calls {
				model := call.model(c.upstream)
				if model == "" {
					continue
				}
				t.Run(k.name+"/"+c.name+"/"+call.name, func(t *testing.T) {
					e := start(t)
					err := call.run(t, c.client, model)
					if !k.allowed {
						requireGoogleDenied(t, err)
						e.expect(t, false, "", "")
						return
					}
					require.NoError(t, err)
					e.expect(t, true, c.upstream, model)
				})
			}
		}
	}
}
