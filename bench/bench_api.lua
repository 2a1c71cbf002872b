-- bench_api.lua — the wrk script of bench/bench_api.sh. Each request is a GET of a random line
-- of the file named by the environment variable BENCH_API_PATHS (paths, one a line, UTF-8;
-- bytes outside unreserved ASCII are percent-encoded here), with the Authorization header of
-- BENCH_API_TOKEN. Prints nothing itself: wrk --latency reports req/s, percentiles and
-- "Non-2xx or 3xx responses".
local paths = {}

local function encode(s)
    return (s:gsub("[^%w%-%._~/%?=&]", function(c) return string.format("%%%02X", c:byte()) end))
end

for line in io.lines(os.getenv("BENCH_API_PATHS")) do
    if #line > 0 then paths[#paths + 1] = encode(line) end
end
math.randomseed(os.time() + math.floor(os.clock() * 1e6))
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_API_TOKEN")

function request()
    return wrk.format("GET", paths[math.random(#paths)])
end
