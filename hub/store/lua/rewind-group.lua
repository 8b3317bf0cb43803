--[[
  Points a node's consumer group on a label stream at a revision, refusing what would create a stream, a group for
  a node nobody knows, or a position past the stream's end (from which the node would silently skip new entries).

  KEYS[1]  stream(label)   stream of changesets (the node list is in another slot: the caller reads it)
  ARGV[1]  group name      gw:<node>
  ARGV[2]  "1" when the node has sent a heartbeat, else "0"
  ARGV[3]  last-delivered id to set: the revision just before the first one to re-apply, "<ms>-<seq>", no leading zeros
  ARGV[4]  "from": refuse when ARGV[5] is past the stream's last entry; "since": clamp ARGV[3] to that entry instead
  ARGV[5]  the revision asked for, "<ms>-<seq>", no leading zeros

  Reply: {"OK", id set} · {"LABEL_UNKNOWN"} · {"NODE_UNKNOWN"} · {"REVISION_AHEAD", last entry id}
  Nothing is written unless the reply is OK.
]]

local function compareNumbers(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end

-- Stream ids compared as decimal strings: a sequence may be up to 2^64-1, beyond a Lua number's exact range.
local function compareIds(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  local byMs = compareNumbers(ams, bms)
  if byMs ~= 0 then return byMs end
  return compareNumbers(aseq, bseq)
end

if redis.call('EXISTS', KEYS[1]) == 0 then return {'LABEL_UNKNOWN'} end

-- XPENDING on the one group is O(1) and fails with NOGROUP when it does not exist; XINFO GROUPS lists them all.
local probe = redis.pcall('XPENDING', KEYS[1], ARGV[1])
local hasGroup = not (type(probe) == 'table' and probe.err ~= nil)
if not hasGroup and ARGV[2] ~= '1' then return {'NODE_UNKNOWN'} end

local lastId = '0-0'
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then lastId = last[1][1] end

local target = ARGV[3]
if ARGV[4] == 'from' and compareIds(ARGV[5], lastId) > 0 then return {'REVISION_AHEAD', lastId} end
if compareIds(target, lastId) > 0 then target = lastId end

if hasGroup then
  redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], target)
else
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], target)
end
return {'OK', target}
