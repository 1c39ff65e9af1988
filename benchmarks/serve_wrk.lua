-- wrk script for benchmarks/serve_bench.py --client wrk: POSTs the body in $RS_BODY_FILE for wrk's
-- -d duration (a bounded run), counts a response as failed unless it is a 200 whose body holds
-- $RS_EXPECTED values, and prints one machine-readable line at the end.
local body_file = io.open(os.getenv("RS_BODY_FILE"), "r")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = body_file:read("*a")
body_file:close()

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(os.getenv("RS_EXPECTED"))
  received, failed = 0, 0
end

function response(status, headers, body)
  received = received + 1
  local _, values = string.gsub(body, '"reward":[-%d]', "")
  local _, listed = string.gsub(body, '"rewards":%[[-%d]', "")
  if status ~= 200 or (values + listed) < math.min(expected, 1) or (values > 0 and values ~= expected) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local failed_total = 0
  for _, thread in ipairs(threads) do
    failed_total = failed_total + thread:get("failed")
  end
  local errors = summary.errors
  local transport = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format("RS_RESULT %d %d %d %.6f %.6f %.6f\n", summary.requests, failed_total, transport,
    summary.duration / 1e6, latency:percentile(50) / 1e6, latency:percentile(99) / 1e6))
end
