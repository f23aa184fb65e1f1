-- wrk script: moderation intake, POST /v1/comments, against `comity serve --no-auth`.
--
--   wrk -t2 -c4 -d10s --latency -s bench/wrk/comments.lua http://127.0.0.1:PORT -- RUN
--
-- Every request is a new comment (ids "<RUN>-<thread>-<n>", so runs against the same
-- store do not collide) in community "bench", 50 comments per article thread, 500
-- authors; the texts are analyze.lua's generated comments. Each request is scored,
-- decided by the community's policy and stored with its audit row. done() prints
-- "WRK_JSON {...}" like analyze.lua.

local words = {
  "the", "council", "policy", "really", "people", "article", "think", "numbers",
  "because", "should", "never", "about", "city", "their", "residents", "honestly",
  "vote", "again", "writing", "thanks", "agree", "wrong", "budget", "school",
  "traffic", "neighbours", "weekend", "game", "player", "coach", "season", "video",
  "great", "terrible", "idiot", "stupid", "moron", "dumb", "hate", "f*cking",
  "sh1t", "a$$hole", "id10t", "b!tch", "loooser", "2023", "don't", "you're",
  "can't", "ridiculous", "clueless", "pathetic", "trash", "shut", "up", "love",
}
local ends = { ".", "!", "?", "...", "!!!", "." }
local COMMENTS, TARGET = 40, 300

local state = 12345
local function next_int(n)
  state = (state * 1103515245 + 12345) % 2147483648
  return math.floor(state / 65536) % n
end

local function make_comment()
  local parts, length = {}, 0
  while length < TARGET do
    local sentence = {}
    for w = 1, 6 + next_int(10) do sentence[#sentence + 1] = words[next_int(#words) + 1] end
    local s = table.concat(sentence, " ") .. ends[next_int(#ends) + 1]
    parts[#parts + 1] = s
    length = length + #s + 1
  end
  return table.concat(parts, " ")
end

local threads_set_up = 0
function setup(thread)
  thread:set("worker", threads_set_up)
  threads_set_up = threads_set_up + 1
end

local texts, n, run = {}, 0, "run"
local headers = { ["Content-Type"] = "application/json" }
function init(args)
  run = args[1] or "run"
  for i = 1, COMMENTS do texts[i] = make_comment() end
end

function request()
  n = n + 1
  local thread = string.format("%s-%s-t%d", run, tostring(worker), math.floor(n / 50))
  local body = string.format(
    '{"community":"bench","thread":{"id":"%s","title":"Article %d"},'
      .. '"comment":{"id":"%s-%s-%d","author":"u%d","text":"%s"}}',
    thread, math.floor(n / 50), run, tostring(worker), n, n % 500, texts[n % COMMENTS + 1])
  return wrk.format("POST", "/v1/comments", headers, body)
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
