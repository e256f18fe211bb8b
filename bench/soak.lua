-- The request mix of bench/soak.sh, for wrk: mostly the reads an agent
-- makes (GET /health, and GET /v1/wallets, /v1/wallet/address and
-- /v1/transactions?limit=20 with a session token), and a few requests
-- that must fail: a bad token (401), no such route (404), a header
-- larger than max_header_size (431, and the connection closes), a body
-- that is not JSON (400, after policyd has checked the token).
-- usage: wrk -s bench/soak.lua URL -- TOKEN
-- At the end it prints one line per answer status, "status N COUNT".

local reqs = {}
local n, i = 0, 0
counts = {}
local threads = {}

local function add(times, method, path, headers, body)
	local r = wrk.format(method, path, headers, body)
	for _ = 1, times do
		n = n + 1
		reqs[n] = r
	end
end

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	local sess = { ["Authorization"] = "Bearer " .. args[1] }
	add(10, "GET", "/health")
	add(10, "GET", "/v1/wallets", sess)
	add(10, "GET", "/v1/wallet/address", sess)
	add(10, "GET", "/v1/transactions?limit=20", sess)
	-- The same token with its last character changed: its MAC fails.
	local t = args[1]
	local last = t:sub(-1) == "A" and "B" or "A"
	add(1, "GET", "/v1/wallets",
	    { ["Authorization"] = "Bearer " .. t:sub(1, -2) .. last })
	add(1, "GET", "/v1/no/such/route", sess)
	add(1, "GET", "/v1/wallets", { ["X-Filler"] = string.rep("x", 20000) })
	add(1, "POST", "/v1/transactions/send",
	    { ["Authorization"] = sess["Authorization"],
	      ["Content-Type"] = "application/json" }, "{\"to\": oops")
end

function request()
	i = i % n + 1
	return reqs[i]
end

function response(status, headers, body)
	counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
	local all = {}
	for _, thread in ipairs(threads) do
		for st, c in pairs(thread:get("counts")) do
			all[st] = (all[st] or 0) + c
		end
	end
	for st, c in pairs(all) do
		io.write(string.format("status %d %d\n", st, c))
	end
end
