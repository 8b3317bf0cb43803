--[[
  Reads a label's heads together with the last stream revision and the digest, in one atomic step, so a
  gateway that applies the snapshot and then reads the stream after that revision misses nothing.

  KEYS[1]  heads(label)    hash path -> ArtifactHead JSON
  KEYS[2]  stream(label)   stream of changesets
  KEYS[3]  digest(label)   string, 40 hex chars
  ARGV     none

  Reply: {revision ("0-0" for an empty stream), digest ('' when never written), flat [path, headJson, ...]}
  Errors: none expected (a wrong-type key surfaces as Redis' own WRONGTYPE reply).
]]

local revision = '0-0'
if redis.call('EXISTS', KEYS[2]) == 1 then
  local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
  if #last > 0 then revision = last[1][1] end
end
local digest = redis.call('GET', KEYS[3]) or ''
return {revision, digest, redis.call('HGETALL', KEYS[1])}
