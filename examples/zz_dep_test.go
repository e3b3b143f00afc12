package examples_test
import (
 _ "github.com/stretchr/testify/require"
 _ "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
 _ "github.com/aws/aws-sdk-go-v2/aws"
 _ "github.com/aws/aws-sdk-go-v2/config"
 _ "github.com/aws/aws-sdk-go-v2/credentials"
 _ "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
 _ "github.com/anthropics/anthropic-sdk-go/v2"
 _ "github.com/anthropics/anthropic-sdk-go/v2/bedrock"
 _ "github.com/anthropics/anthropic-sdk-go/v2/vertex"
 _ "github.com/openai/openai-go/v3"
 _ "github.com/openai/openai-go/v3/azure"
 _ "google.golang.org/genai"
 _ "go.yaml.in/yaml/v3"
)
