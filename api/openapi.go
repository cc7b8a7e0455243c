package api

import _ "embed"

// OpenAPI is the API's OpenAPI 3.1 description, served at /openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte
