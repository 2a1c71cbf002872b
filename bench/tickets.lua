-- wrk script for bench/run.sh (section "tickets"): drives 95598 work orders through the HTTP API
-- over loopback. Each connection takes in a fault report (POST /api/v1/tickets), reads its id
-- from the 201 reply and then moves it through every step, one request each: classify,
-- dispatch, process, respond (到达), reply (反馈), review (复核), archive (归档) — 8 requests per
-- order. Environment: PMIS_BENCH_TOKEN (a bearer token with ticket:write and ticket:dispatch),
-- PMIS_BENCH_CUST (the caller's 户号), PMIS_BENCH_ORG (the dispatch unit). done() prints the
-- requests by status and the orders taken in and archived, for run.sh to turn into rates.
local token = os.getenv("PMIS_BENCH_TOKEN")
local cust = os.getenv("PMIS_BENCH_CUST")
local org = os.getenv("PMIS_BENCH_ORG")
local steps = { "classify", "dispatch", "process", "respond", "reply", "review", "archive" }
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    cur_id, cur_step = nil, 0   -- the order this connection works on, the next step's index
    created, archived, bad = 0, 0, 0
    wrk.headers["Authorization"] = "Bearer " .. token
    wrk.headers["Content-Type"] = "application/json"
end

-- one order per connection at a time: wrk runs a connection's requests in order
function request()
    if cur_id == nil then
        return wrk.format("POST", "/api/v1/tickets", nil,
            '{"type":"fault","channel":"phone","area":"urban","cust_no":"' .. cust ..
            '","text":"压测停电报修"}')
    end
    local s = steps[cur_step]
    local body = "{}"
    if s == "dispatch" then body = '{"org":"' .. org .. '","assignee":"crew"}' end
    return wrk.format("POST", "/api/v1/tickets/" .. cur_id .. "/" .. s, nil, body)
end

function response(status, headers, body)
    if cur_id == nil then
        if status == 201 then
            cur_id = string.match(body, '^{"id":(%d+),')
            cur_step = 1
            created = created + 1
        else
            bad = bad + 1
        end
        return
    end
    if status ~= 200 then
        bad = bad + 1
        cur_id = nil -- give the order up, take in a new one
        return
    end
    if steps[cur_step] == "archive" then
        archived = archived + 1
        cur_id = nil
    else
        cur_step = cur_step + 1
    end
end

function done(summary, latency, requests)
    local c, a, b = 0, 0, 0
    for _, t in ipairs(threads) do
        c = c + t:get("created")
        a = a + t:get("archived")
        b = b + t:get("bad")
    end
    io.write(string.format("tickets: requests %d created %d archived %d failed %d seconds %.3f " ..
        "p50_ms %.2f p99_ms %.2f\n", summary.requests, c, a, b, summary.duration / 1e6,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
