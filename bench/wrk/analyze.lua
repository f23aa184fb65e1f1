-- wrk script: Perspective analyze requests against `comity serve --no-auth`.
--
--   wrk -t2 -c16 -d10s --latency -s bench/wrk/analyze.lua http://127.0.0.1:PORT -- toxicity
--   wrk ... -- all        (all eight attributes in one request)
--
-- Bodies cycle through 40 comments of about 300 characters from common.lua's fixed
-- generator, so every run sends the same bytes and no real abuse is stored in the
-- repository. `languages` is left
-- out on purpose: language detection is part of the served cost. done() prints
-- one machine-readable line, "WRK_JSON {...}", for bench/run_benchmarks.sh.

-- dofile from this script's directory: wrk runs each thread in its own Lua state.
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local ATTRIBUTES_ALL = '{"TOXICITY":{},"SEVERE_TOXICITY":{},"IDENTITY_ATTACK":{},"INSULT":{},'
  .. '"PROFANITY":{},"THREAT":{},"SEXUALLY_EXPLICIT":{},"FLIRTATION":{}}'
local ATTRIBUTES_TOXICITY = '{"TOXICITY":{}}'
local COMMENTS = 40

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
  common.reset()  -- same comments in every thread
  local headers = { ["Content-Type"] = "application/json" }
  for i = 1, COMMENTS do
    local body = '{"comment":{"text":"' .. common.make_comment() .. '"},"requestedAttributes":'
      .. attributes .. '}'
    requests[i] = wrk.format("POST", "/v1alpha1/comments:analyze", headers, body)
  end
end

function request()
  index = index % COMMENTS + 1
  return requests[index]
end

done = common.done
