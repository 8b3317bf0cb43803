--[[
  Commits one changeset of a label atomically: heads, versions, history, digest, the label's blob references and ONE
  stream entry carrying every committed item, or nothing at all. Every key is in the label's Cluster slot; the blobs
  the items name were written (under their own slots) before this script runs. Every key is checked for its type
  before the first write, so a planted wrong-type key fails the whole call without leaving an event without data
  (Lua does not roll back).

  KEYS[1]  heads(label)       hash path -> ArtifactHead JSON
  KEYS[2]  versions(label)    hash path -> last version given out
  KEYS[3]  stream(label)      stream, one entry per changeset
  KEYS[4]  digest(label)      string, 40 hex chars
  KEYS[5]  blobrefs(label)    hash sha256 -> the label's history entries referencing the blob
  KEYS[6]  request(label, id) string, cached reply (unused when ARGV[7] is empty)
  then per item, in order: history(label, path)

  ARGV[1] label            ARGV[2] node              ARGV[3] committedAt (ms)
  ARGV[4] history_limit    ARGV[5] stream_maxlen     ARGV[6] conflict policy: "last-writer-wins" | "reject"
  ARGV[7] request id ('' for none)                   ARGV[8] request reply TTL in seconds
  ARGV[9] item count
  then per item 5 fields: op, path, sha256, size, baseVersion ('' for none)

  Reply: JSON {revision: string ('' when nothing committed), items: [{path, op, version, sha256, unchanged,
  conflict} | {path, op, refused: "CONFLICT", message}], released: [sha256 the label no longer references]};
  a cached reply is returned as it was stored.
  Errors: "WRONGTYPE <key> ..." when a key holds the wrong type.
]]

local headsKey, versionsKey, streamKey, digestKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local blobRefsKey, requestKey = KEYS[5], KEYS[6]
local node, committedAt = ARGV[2], tonumber(ARGV[3])
local historyLimit, streamMaxlen, policy = tonumber(ARGV[4]), ARGV[5], ARGV[6]
local requestId, requestTtl, itemCount = ARGV[7], ARGV[8], tonumber(ARGV[9])

if requestId ~= '' then
  local cached = redis.call('GET', requestKey)
  if cached then return cached end
end

local function expectType(key, wanted)
  local actual = redis.call('TYPE', key)['ok']
  if actual ~= 'none' and actual ~= wanted then
    error({err = 'WRONGTYPE ' .. key .. ' holds a ' .. actual .. ', expected a ' .. wanted})
  end
end

local function xorDigest(a, b)
  local out = {}
  for i = 1, 40, 8 do
    local x = bit.bxor(tonumber(string.sub(a, i, i + 7), 16), tonumber(string.sub(b, i, i + 7), 16))
    out[#out + 1] = bit.tohex(x, 8)
  end
  return table.concat(out)
end

expectType(headsKey, 'hash'); expectType(versionsKey, 'hash'); expectType(streamKey, 'stream')
expectType(digestKey, 'string'); expectType(blobRefsKey, 'hash')

-- Phase 1: read and decide, no writes.
local items, argIndex = {}, 10
for i = 1, itemCount do
  local item = {
    op = ARGV[argIndex], path = ARGV[argIndex + 1], sha = ARGV[argIndex + 2], size = tonumber(ARGV[argIndex + 3]),
    base = ARGV[argIndex + 4], historyKey = KEYS[6 + i],
  }
  argIndex = argIndex + 5
  expectType(item.historyKey, 'list')
  items[#items + 1] = item
end

local commits = {}
for _, item in ipairs(items) do
  local rawHead = redis.call('HGET', headsKey, item.path)
  local head = rawHead and cjson.decode(rawHead) or nil
  local lastVersion = tonumber(redis.call('HGET', versionsKey, item.path) or '0')
  if item.op == 'put' and head and head.sha256 == item.sha then
    item.reply = {path = item.path, op = 'put', version = head.version, sha256 = head.sha256, unchanged = true, conflict = false}
  elseif item.op == 'delete' and not head then
    item.reply = {path = item.path, op = 'delete', version = lastVersion, sha256 = '', unchanged = true, conflict = false}
  else
    local conflict = false
    if item.base ~= '' then
      local base = tonumber(item.base)
      if head then conflict = base ~= head.version else conflict = base ~= 0 and base ~= lastVersion end
    end
    if conflict and policy == 'reject' then
      local current = head and head.version or 0
      item.reply = {path = item.path, op = item.op, refused = 'CONFLICT',
        message = 'based on version ' .. item.base .. ' but the head is version ' .. current}
    else
      item.trimmed = {}
      if redis.call('LLEN', item.historyKey) + 1 > historyLimit then
        for _, raw in ipairs(redis.call('LRANGE', item.historyKey, historyLimit - 1, -1)) do
          local entry = cjson.decode(raw)
          if entry.op == 'put' then item.trimmed[#item.trimmed + 1] = entry.sha256 end
        end
      end
      item.head, item.conflict, item.version = head, conflict, lastVersion + 1
      commits[#commits + 1] = item
    end
  end
end

-- Phase 2: one stream entry, then the data it announces.
local revision, released = '', {}
if #commits > 0 then
  local eventItems = {}
  for _, item in ipairs(commits) do
    eventItems[#eventItems + 1] = {op = item.op, path = item.path, version = item.version,
      sha256 = item.op == 'put' and item.sha or '', size = item.op == 'put' and item.size or 0, conflict = item.conflict}
  end
  -- prev names the entry before this one, so a reader can tell a gap (entries trimmed unread) without XINFO.
  local prev = '0-0'
  local last = redis.call('XREVRANGE', streamKey, '+', '-', 'COUNT', 1)
  if #last > 0 then prev = last[1][1] end
  revision = redis.call('XADD', streamKey, 'MAXLEN', '~', streamMaxlen, '*',
    'node', node, 'at', ARGV[3], 'items', cjson.encode(eventItems), 'prev', prev)

  local digest = redis.call('GET', digestKey) or string.rep('0', 40)
  for _, item in ipairs(commits) do
    local sha = item.op == 'put' and item.sha or ''
    local size = item.op == 'put' and item.size or 0
    redis.call('HINCRBY', versionsKey, item.path, 1)
    if item.head then digest = xorDigest(digest, redis.sha1hex(item.path .. '\n' .. item.head.sha256)) end
    if item.op == 'put' then
      redis.call('HINCRBY', blobRefsKey, sha, 1)
      redis.call('HSET', headsKey, item.path, cjson.encode({path = item.path, version = item.version, sha256 = sha,
        size = size, updatedAt = committedAt, node = node}))
      digest = xorDigest(digest, redis.sha1hex(item.path .. '\n' .. sha))
    else
      redis.call('HDEL', headsKey, item.path)
    end
    redis.call('LPUSH', item.historyKey, cjson.encode({version = item.version, op = item.op, sha256 = sha, size = size,
      updatedAt = committedAt, node = node, conflict = item.conflict, revision = revision}))
    redis.call('LTRIM', item.historyKey, 0, historyLimit - 1)
    for _, trimmedSha in ipairs(item.trimmed) do
      if redis.call('HINCRBY', blobRefsKey, trimmedSha, -1) <= 0 then
        redis.call('HDEL', blobRefsKey, trimmedSha)
        released[#released + 1] = trimmedSha
      end
    end
    item.reply = {path = item.path, op = item.op, version = item.version, sha256 = sha, unchanged = false,
      conflict = item.conflict}
  end
  redis.call('SET', digestKey, digest)
end

local replies = {}
for _, item in ipairs(items) do replies[#replies + 1] = item.reply end
local reply = cjson.encode({revision = revision, items = replies, released = released})
if requestId ~= '' then redis.call('SET', requestKey, reply, 'EX', requestTtl) end
return reply
