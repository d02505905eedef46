-- wrk script: GET paths drawn Zipf-like (s = 1) from a file of paths, most frequent first.
-- Usage: wrk -t2 -c16 -d20s -s bench/zipf.lua http://127.0.0.1:8000 -- paths.txt
local paths, cumulative, total = {}, {}, 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    paths[#paths + 1] = line
    total = total + 1 / #paths
    cumulative[#paths] = total
  end
  file:close()
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  local r = math.random() * total
  local lo, hi = 1, #cumulative
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cumulative[mid] < r then lo = mid + 1 else hi = mid end
  end
  return wrk.format("GET", paths[lo])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d p50=%d p95=%d p99=%d max=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
