#!/usr/bin/env bash
# Ask a running `gptft serve` with curl: one chat completion, then the same one streamed.
#   GPTFT_URL=http://127.0.0.1:8000 GPTFT_MODEL=demo-chat bash examples/serve-curl.sh
set -euo pipefail
URL=${GPTFT_URL:-http://127.0.0.1:8000}
MODEL=${GPTFT_MODEL:-demo-chat}

curl -sS "$URL/v1/chat/completions" \
  -H 'Content-Type: application/json' \
  -d '{"model": "'"$MODEL"'", "messages": [{"role": "user", "content": "Where is my order?"}],
       "temperature": 0, "max_tokens": 32}'
echo

# stream: true → server-sent events, one `data: {...}` chunk per piece of text, then `data: [DONE]`
curl -sS -N "$URL/v1/chat/completions" \
  -H 'Content-Type: application/json' \
  -d '{"model": "'"$MODEL"'", "messages": [{"role": "user", "content": "Where is my order?"}],
       "temperature": 0, "max_tokens": 32, "stream": true}'
