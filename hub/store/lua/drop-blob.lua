--[[
  Deletes a blob that the caller found no label references, unless a commit wrote it within the grace period (its
  lease is still there): that commit's label script may be about to reference it.

  KEYS[1]  blob(sha256)       string, encoded content
  KEYS[2]  blobLease(sha256)  string with TTL, present while the blob is held
  ARGV     none

  Reply: "DROPPED" (deleted or already gone) · "HELD" (lease present, nothing written).
  Errors: none expected.
]]

if redis.call('EXISTS', KEYS[2]) == 1 then return 'HELD' end
redis.call('DEL', KEYS[1])
return 'DROPPED'
