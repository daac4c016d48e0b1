package lsp

import "encoding/json"

type jsonRaw = json.RawMessage

var jsonUnmarshal = json.Unmarshal
