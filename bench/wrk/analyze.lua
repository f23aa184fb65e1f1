-- wrk script: Perspective analyze requests against `comity serve --no-auth`.
--
--   wrk -t2 -c16 -d10s --latency -s bench/wrk/analyze.lua http://127.0.0.1:PORT -- toxicity
--   wrk ... -- all        (all eight attributes in one request)
--
-- Bodies cycle through 40 comments of about 300 characters, generated here from a
-- fixed word list and a fixed linear congruential sequence, so every run sends the
-- same bytes and no real abuse is stored in the repository. `languages` is left
-- out on purpose: language detection is part of the served cost. done() prints
-- one machine-readable line, "WRK_JSON {...}", for bench/run_benchmarks.sh.

local words = {
  "the", "council", "policy", "really", "people", "article", "think", "numbers",
  "because", "should", "never", "about", "city", "their", "residents", "honestly",
  "vote", "again", "writing", "thanks", "agree", "wrong", "budget", "school",
  "traffic", "neighbours", "weekend", "game", "player", "coach", "season", "video",
  "great", "terrible", "idiot", "stupid", "moron", "dumb", "hate", "f*cking",
  "sh1t", "a$$hole", "id10t", "b!tch", "loooser", "2023", "don't", "you're",
  "can't", "ridiculous", "clueless", "pathetic", "trash", "shut", "up", "love",
  "beautiful", "dinner", "\240\159\145\141", "\240\159\153\132",
}
local ends = { ".", "!", "?", "...", "!!!", "." }

local ATTRIBUTES_ALL = '{"TOXICITY":{},"SEVERE_TOXICITY":{},"IDENTITY_ATTACK":{},"INSULT":{},'
  .. '"PROFANITY":{},"THREAT":{},"SEXUALLY_EXPLICIT":{},"FLIRTATION":{}}'
local ATTRIBUTES_TOXICITY = '{"TOXICITY":{}}'
local COMMENTS = 40
local TARGET = 300

local state = 12345
local function next_int(n)
  state = (state * 1103515245 + 12345) % 2147483648
  return math.floor(state / 65536) % n
end

local function make_comment()
  local parts, length = {}, 0
  while length < TARGET do
    local sentence = {}
    for w = 1, 6 + next_int(10) do
      local word = words[next_int(#words) + 1]
      if w == 1 then word = word:sub(1, 1):upper() .. word:sub(2) end
      sentence[#sentence + 1] = word
    end
    local s = table.concat(sentence, " ") .. ends[next_int(#ends) + 1]
    parts[#parts + 1] = s
    length = length + #s + 1
  end
  return table.concat(parts, " ")
end

local requests = {}
local index = 0
local threads_set_up = 0

function setup(thread)
  thread:set("first", threads_set_up * 7)
  threads_set_up = threads_set_up + 1
end

function init(args)
  local attributes = (args[1] == "all") and ATTRIBUTES_ALL or ATTRIBUTES_TOXICITY
  -- Each wrk thread starts at a different comment.
  index = (tonumber(first) or 0) % COMMENTS
  state = 12345  -- same comments in every thread
  local headers = { ["Content-Type"] = "application/json" }
  for i = 1, COMMENTS do
    local body = '{"comment":{"text":"' .. make_comment() .. '"},"requestedAttributes":'
      .. attributes .. '}'
    requests[i] = wrk.format("POST", "/v1alpha1/comments:analyze", headers, body)
  end
end

function request()
  index = index % COMMENTS + 1
  return requests[index]
end

function done(summary, latency, requests_)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"seconds":%.3f,"requests_per_second":%.1f,'
      .. '"latency_ms":{"mean":%.3f,"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f},'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
