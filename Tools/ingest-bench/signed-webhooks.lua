-- wrk script: POSTs pre-signed Standard Webhooks deliveries, one line each of
-- "<webhook-id>\t<timestamp>\t<signature>\t<body>" from the file in
-- LEDGER_BENCH_REQUESTS, cycling per thread so every delivery id is sent once
-- (a wrap-around would be recorded as duplicates, still durable appends).
local requests = {}
local index = 0
local threads_set_up = 0

-- Runs in the main state once per thread: gives each its share of the lines.
function setup(thread)
  thread:set("thread_index", threads_set_up)
  threads_set_up = threads_set_up + 1
end

function init(args)
  local path = os.getenv("LEDGER_BENCH_REQUESTS")
  local thread_count = tonumber(os.getenv("LEDGER_BENCH_THREADS") or "1")
  local line_number = 0
  for line in io.lines(path) do
    if line_number % thread_count == thread_index then
      local id, timestamp, signature, body = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", "/v1/webhooks/replicate", {
        ["content-type"] = "application/json",
        ["webhook-id"] = id,
        ["webhook-timestamp"] = timestamp,
        ["webhook-signature"] = signature,
      }, body)
    end
    line_number = line_number + 1
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end
