-- Shared by the wrk scripts: a fixed generator of ~300-character comments (a word
-- list and a linear congruential sequence, so every run sends the same bytes and no
-- real abuse is stored in the repository) and the "WRK_JSON {...}" report line that
-- bench/run_benchmarks.sh reads. Loaded with dofile() from the scripts' directory.
local M = {}

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

local TARGET = 300

local state = 12345
function M.next_int(n)
  state = (state * 1103515245 + 12345) % 2147483648
  return math.floor(state / 65536) % n
end

function M.make_comment()
  local parts, length = {}, 0
  while length < TARGET do
    local sentence = {}
    for w = 1, 6 + M.next_int(10) do
      local word = words[M.next_int(#words) + 1]
      if w == 1 then word = word:sub(1, 1):upper() .. word:sub(2) end
      sentence[#sentence + 1] = word
    end
    local s = table.concat(sentence, " ") .. ends[M.next_int(#ends) + 1]
    parts[#parts + 1] = s
    length = length + #s + 1
  end
  return table.concat(parts, " ")
end

-- Restarts the sequence, so every wrk thread generates the same comments.
function M.reset()
  state = 12345
end

function M.done(summary, latency)
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

return M
