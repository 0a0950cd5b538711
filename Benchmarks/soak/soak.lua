-- wrk script of Benchmarks/soak/soak.sh: POST /detect with a different window every request.
--
-- Each thread is a monitor: a stream identifier with increasing sequence numbers, and a new
-- stream every 500 windows (a monitor restart), so the detector's delivery ledger keeps
-- turning over. soak.sh runs one connection per thread, so that each stream posts one window
-- at a time as the monitor's publisher does (several connections of one stream would race its
-- sequence numbers more than 64 apart, and the ledger would refuse the laggards with 409). Windows vary in rate and mix; top sources are random test addresses
-- (198.18.0.0/15, text only: nothing is sent to them), so per-source state in the detector
-- sees new sources all the time. One window in 50 is a port scan, one in 50 a SYN flood: the
-- rules fire, threats are counted and kept out of training.
--
-- The `done` callback prints one RESULT line, read by soak.sh.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local sequence = 0
local stream = ""
local headers = { ["Content-Type"] = "application/json" }

local function new_stream()
  stream = string.format("soak-%d-%08x-%08x", id, math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  sequence = 0
end

function init(args)
  math.randomseed(os.time() * 100 + id)
  new_stream()
end

local function address()
  return string.format("198.%d.%d.%d", 18 + math.random(0, 1), math.random(0, 255), math.random(1, 254))
end

local function source(packets, syn, ports, hosts)
  return string.format('{"ip":"%s","packets":%d,"bytes":%d,"syn_packets":%d,"unique_ports":%d,"unique_hosts":%d}',
    address(), packets, packets * math.random(60, 1400), syn, ports, hosts)
end

function request()
  sequence = sequence + 1
  if sequence > 500 then new_stream(); sequence = 1 end
  local kind = math.random(1, 50)
  local pps = math.random(100, 3000)
  local tcp = math.floor(pps * math.random(50, 95) / 100)
  local udp = pps - tcp
  local syn = math.random(0, math.floor(tcp / 20))
  local ports = math.random(1, 30)
  local ips = math.random(1, 40)
  local sources = {}
  local count = math.random(1, 10)
  for i = 1, count do
    local share = math.floor(pps / (count + i))
    table.insert(sources, source(share, math.floor(syn / count), math.random(1, 5), math.random(1, 3)))
  end
  if kind == 1 then            -- a port scan from one source
    ports = math.random(500, 2000)
    syn = math.min(tcp, ports)
    sources[1] = source(syn, syn, ports, 1)
  elseif kind == 2 then        -- a SYN flood
    pps = math.random(20000, 60000)
    tcp = pps
    udp = 0
    syn = math.floor(pps * 0.95)
    sources[1] = source(syn, syn, 1, 1)
  end
  local body = string.format(
    '{"packets_per_second":%d,"bytes_per_second":%d,"unique_ips":%d,"unique_ports":%d,' ..
    '"tcp_packets":%d,"udp_packets":%d,"syn_packets":%d,"icmp_packets":0,"window_seconds":1.0,' ..
    '"window_start":"%s","interface":"soak0","source":"xdp","stream":"%s","sequence":%d,"top_sources":[%s]}',
    pps, pps * math.random(100, 900), ips, ports, tcp, udp, syn, os.date("!%Y-%m-%dT%H:%M:%SZ"),
    stream, sequence, table.concat(sources, ","))
  return wrk.format("POST", "/detect", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT req_s=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests))
end
