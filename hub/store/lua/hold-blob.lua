--[[
  Writes a blob before the label's commit script that will reference it, and marks it held for a grace period so a
  sweep that finds no label referencing it yet leaves it alone. Both keys share the blob's hash tag (one slot).

  KEYS[1]  blob(sha256)       string, encoded content
  KEYS[2]  blobLease(sha256)  string with TTL, present while the blob is held
  ARGV[1]  encoded content    ARGV[2] grace in ms (0: no lease)

  Reply: 1 when the blob was written, 0 when it was already there.
  Errors: "WRONGTYPE <key> ..." when the blob key holds something other than a string.
]]

local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and kind ~= 'string' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[1] .. ' holds a ' .. kind .. ', expected a string')
end
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
if kind == 'none' then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0
