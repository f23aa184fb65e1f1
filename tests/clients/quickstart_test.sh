#!/usr/bin/env bash
# Perspective's own curl examples (the quickstart writes JavaScript-style object
# literals: unquoted keys, and people add trailing commas) and the attribute names
# Perspective clients send, against `comity serve` with API keys.
#
#   comity_server.py --auth -- bash quickstart_test.sh            # Google's behaviour
#   comity_server.py --auth --serve-arg=--unknown-attributes --serve-arg=omit \
#     -- bash quickstart_test.sh omit                             # unknown names left out
#
# comity_server.py sets COMITY_BASE_URL, COMITY_API_KEY and COMITY_DATA_DIR.
set -uo pipefail
mode="${1:-default}"
base="${COMITY_BASE_URL:?run through comity_server.py}"
key="${COMITY_API_KEY:?run through comity_server.py --auth}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

# post NAME ROUTE BODY [curl args...]: the body in $out/NAME.json, headers in
# $out/NAME.h, the status in $status.
post() {
  local name="$1" route="$2" body="$3"
  shift 3
  status="$(curl -s -o "$out/$name.json" -D "$out/$name.h" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data "$body" "$@" "$base$route?key=$key")"
}

# json NAME PYTHON-EXPRESSION: evaluates the expression over the parsed body `r`.
json() {
  /usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
    "$out/$1.json" "$2" 2>/dev/null
}

# A one-line summary of a reply: its error message, or its start.
body_of() {
  /usr/bin/python3 -c '
import json, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
try:
    reply = json.loads(text)
    error = reply.get("error") if isinstance(reply, dict) else None
    print(repr(error["message"]) if isinstance(error, dict) else json.dumps(reply)[:200])
except ValueError:
    print(repr(text[:200]))' "$out/$1.json"
}

# expect_ok NAME PYTHON-CONDITION: HTTP 200 and the condition holds.
expect_ok() {
  if [[ "$status" == 200 && "$(json "$1" "$2")" == True ]]; then
    pass "$1"
  else
    fail "$1" "HTTP $status, expected 200 with $2: $(body_of "$1")"
  fi
}

# expect_error NAME HTTP MESSAGE-PREFIX: Google's envelope, that code and message.
expect_error() {
  local condition="r['error']['code'] == $2 and r['error']['message'].startswith('''$3''') and 'json.exception' not in r['error']['message']"
  if [[ "$status" == "$2" && "$(json "$1" "$condition")" == True ]]; then
    pass "$1"
  else
    fail "$1" "HTTP $status, expected $2 '$3...': $(body_of "$1")"
  fi
}

if [[ "$mode" == default ]]; then
  # The quickstart, as Perspective's documentation prints it.
  post quickstart-unquoted-keys /v1alpha1/comments:analyze \
    '{comment: {text: "what kind of idiot name is foo?"},
      languages: ["en"],
      requestedAttributes: {TOXICITY:{}} }'
  expect_ok quickstart-unquoted-keys "0 <= r['attributeScores']['TOXICITY']['summaryScore']['value'] <= 1"

  post suggest-trailing-comma /v1alpha1/comments:suggestscore \
    '{comment: {text: "Get busy living, or get busy dying.",},
      attributeScores: {TOXICITY: {summaryScore: {value: 0},},},
      clientToken: "quickstart-trailing",}'
  expect_ok suggest-trailing-comma "r.get('clientToken') == 'quickstart-trailing'"
  suggest_status="$status"

  post malformed-json /v1alpha1/comments:analyze '{comment: {text: "unterminated"'
  expect_error malformed-json 400 'Invalid JSON payload received.'

  # proto3 JSON leaves out a zero `begin`; the span starts the comment.
  post suggest-span-without-begin /v1alpha1/comments:suggestscore \
    '{"comment": {"text": "you idiot. fine"}, "clientToken": "span-no-begin",
      "attributeScores": {"INSULT": {"spanScores": [{"end": 9, "score": {"value": 1}}]}}}'
  expect_ok suggest-span-without-begin "r.get('clientToken') == 'span-no-begin'"

  # Names Perspective served while the models were experimental, still in client code.
  aliases='TOXICITY_EXPERIMENTAL SEVERE_TOXICITY_EXPERIMENTAL IDENTITY_ATTACK_EXPERIMENTAL'
  aliases+=' INSULT_EXPERIMENTAL PROFANITY_EXPERIMENTAL THREAT_EXPERIMENTAL SEXUALLY_EXPLICIT FLIRTATION'
  requested="$(for name in $aliases; do printf '"%s": {},' "$name"; done)"
  post experimental-aliases /v1alpha1/comments:analyze \
    "{\"comment\": {\"text\": \"you are a clown\"}, \"languages\": [\"en\"],
      \"requestedAttributes\": {${requested%,}}}"
  expect_ok experimental-aliases \
    "sorted(r['attributeScores']) == sorted('''$aliases'''.split())"

  post unknown-attribute /v1alpha1/comments:analyze \
    '{"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}, "SPAM": {}}}'
  expect_error unknown-attribute 400 'Unknown requested attribute: SPAM'

  # At most 32 requested attributes: 32 versioned names are fine, 33 are refused.
  names() { for ((i = 0; i < $1; i++)); do printf '"TOXICITY@%d": {},' "$i"; done; }
  thirty_two="$(names 32)"
  post attributes-32 /v1alpha1/comments:analyze \
    "{\"comment\": {\"text\": \"hello there\"}, \"requestedAttributes\": {${thirty_two%,}}}"
  expect_ok attributes-32 "len(r['attributeScores']) == 32"
  thirty_three="$(names 33)"
  post attributes-33 /v1alpha1/comments:analyze \
    "{\"comment\": {\"text\": \"hello there\"}, \"requestedAttributes\": {${thirty_three%,}}}"
  expect_error attributes-33 400 ''

  # An absolute-form target, as a client configured with an HTTP proxy sends it.
  post absolute-form-target /v1alpha1/comments:analyze \
    '{"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}' \
    --request-target "$base/v1alpha1/comments:analyze?key=$key"
  expect_ok absolute-form-target "'TOXICITY' in r['attributeScores']"

  # HTTP/1.0 with Connection: keep-alive: the second transfer reuses the connection.
  connects="$(curl -s --http1.0 -H 'Connection: keep-alive' -o /dev/null -o /dev/null \
    -w '%{http_code}:%{num_connects} ' "$base/healthz" "$base/healthz")"
  if [[ "$connects" == "200:1 200:0 " ]]; then
    pass http10-keep-alive
  else
    fail http10-keep-alive "status:new-connections per transfer '$connects', expected '200:1 200:0 '"
  fi

  # The trailing-comma suggestion is stored like any other.
  if [[ "$suggest_status" != 200 ]]; then
    echo "SKIP feedback-exported (the trailing-comma suggestscore was refused)"
  elif "$COMITY_BIN" feedback export --data-dir "$COMITY_DATA_DIR" --out "$out/feedback.jsonl" \
      >/dev/null 2>&1 && grep -q '"quickstart-trailing"' "$out/feedback.jsonl"; then
    pass feedback-exported
  else
    fail feedback-exported "clientToken quickstart-trailing not in comity feedback export"
  fi
else
  # --unknown-attributes omit: names Comity lacks are dropped and named in a header.
  post omit-unknown /v1alpha1/comments:analyze \
    '{"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}, "SPAM": {}}}'
  expect_ok omit-unknown "sorted(r['attributeScores']) == ['TOXICITY']"
  omitted="$(tr -d '\r' <"$out/omit-unknown.h" | sed -n 's/^[Xx]-[Cc]omity-[Oo]mitted-[Aa]ttributes: *//p')"
  if [[ "$omitted" == SPAM ]]; then
    pass omit-header
  else
    fail omit-header "X-Comity-Omitted-Attributes is '$omitted', expected SPAM"
  fi
  post omit-still-aliases /v1alpha1/comments:analyze \
    '{"comment": {"text": "hello"}, "requestedAttributes": {"ATTACK_ON_AUTHOR": {}, "INSULT_EXPERIMENTAL": {}}}'
  expect_ok omit-still-aliases "sorted(r['attributeScores']) == ['INSULT_EXPERIMENTAL']"
fi

echo "quickstart ($mode mode)"
echo "quickstart: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
