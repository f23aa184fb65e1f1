-- wrk script: moderation intake, POST /v1/comments, against `comity serve --no-auth`.
--
--   wrk -t2 -c4 -d10s --latency -s bench/wrk/comments.lua http://127.0.0.1:PORT -- RUN
--
-- Every request is a new comment (ids "<RUN>-<thread>-<n>", so runs against the same
-- store do not collide) in community "bench", 50 comments per article thread, 500
-- authors; the texts are common.lua's generated comments. Each request is scored,
-- decided by the community's policy and stored with its audit row. done() prints
-- "WRK_JSON {...}" like analyze.lua.

-- dofile from this script's directory: wrk runs each thread in its own Lua state.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local threads_set_up = 0
function setup(thread)
  thread:set("worker", threads_set_up)
  threads_set_up = threads_set_up + 1
end

local COMMENTS = 40
local texts, n, run = {}, 0, "run"
local headers = { ["Content-Type"] = "application/json" }
function init(args)
  run = args[1] or "run"
  for i = 1, COMMENTS do texts[i] = common.make_comment() end
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

done = common.done
