-- wrk script for bench/perf/run: POSTs GraphQL bodies and checks every
-- response. Arguments (after `--`): MODE FILE TOKEN PATH THREADS (TOKEN may
-- be empty: no Authorization header; PATH: /graphql; THREADS: wrk's -t)
--   bodies FILE: each line of FILE is a whole JSON request body; each thread
--                cycles through the lines from its own offset.
--   assign FILE: each line is "ID VERSION" of a complaint; each request
--                assigns a complaint not in flight to the other of two
--                owners with its current version, and the version in the
--                answer is the one used next (per thread: threads share no
--                complaint).
-- An error is a response that is not HTTP 200, or whose body holds a
-- GraphQL `errors` key, or a non-empty `userErrors` list. done() prints one
-- line: RESULT rps=… p50_ms=… p95_ms=… p99_ms=… requests=… errors=… …

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local lines = {}
local pos = 1
local mode = "bodies"
local path = "/graphql"
local headers = { ["Content-Type"] = "application/json" }
-- assign mode
local free = {}
local version = {}
local owners = { "bench-owner-a", "bench-owner-b" }

responses = 0
errors = 0
sample = ""

local function read_lines(file)
  local out = {}
  for l in io.lines(file) do
    if l ~= "" then out[#out + 1] = l end
  end
  return out
end

function init(args)
  mode = args[1] or "bodies"
  local file = args[2]
  if args[3] and args[3] ~= "" then
    headers["Authorization"] = "Bearer " .. args[3]
  end
  if args[4] and args[4] ~= "" then path = args[4] end
  local k = tonumber(args[5]) or 1
  local t = tonumber(wrk.thread:get("tid")) or 1
  local all = read_lines(file)
  if mode == "assign" then
    -- this thread's share: every k-th line
    for i = t, #all, k do
      local id, v = all[i]:match("^(%S+)%s+(%d+)$")
      if id then
        version[id] = tonumber(v)
        free[#free + 1] = id
      end
    end
  else
    lines = all
    pos = math.floor((t - 1) * #lines / k) + 1
  end
end

local function assign_body(id)
  local o = owners[(version[id] % 2) + 1]
  return string.format(
    '{"query":"mutation($input: ComplaintAssignInput!) { complaintAssign(input: $input) { complaint { id version } userErrors { code } } }","variables":{"input":{"id":"%s","expectedVersion":%d,"ownerSubject":"%s","ownerName":"%s"}}}',
    id, version[id], o, o)
end

function request()
  if mode == "assign" then
    local id = table.remove(free, 1)
    if id == nil then
      -- every complaint of this thread is in flight: wait-free fallback,
      -- counted as an error if it conflicts
      id = next(version)
    end
    return wrk.format("POST", path, headers, assign_body(id))
  end
  local body = lines[pos]
  pos = pos + 1
  if pos > #lines then pos = 1 end
  return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
  responses = responses + 1
  local bad = status ~= 200
    or body:find('"errors"', 1, true) ~= nil
    or body:find('"userErrors":[{', 1, true) ~= nil
  if bad then
    errors = errors + 1
    if sample == "" then sample = string.sub(status .. " " .. body, 1, 300) end
  end
  if mode == "assign" then
    local id, v = body:match('"id":"([^"]+)","version":(%d+)')
    if id and version[id] then
      version[id] = tonumber(v)
      free[#free + 1] = id
    end
  end
end

function done(summary, latency, requests)
  local r, e, s = 0, 0, ""
  for _, t in ipairs(threads) do
    r = r + (t:get("responses") or 0)
    e = e + (t:get("errors") or 0)
    local ts = t:get("sample") or ""
    if s == "" and ts ~= "" then s = ts end
  end
  local secs = summary.duration / 1e6
  local sockerr = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    "RESULT rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f requests=%d checked=%d errors=%d non2xx=%d sockerr=%d\n",
    summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, r, e, summary.errors.status, sockerr))
  if s ~= "" then
    io.write("SAMPLE_ERROR " .. s:gsub("\n", " ") .. "\n")
  end
end
