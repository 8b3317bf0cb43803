// Size limits shared by the validator and the commands that offer them as defaults, without loading the validator.

/** The hub's default `max_artifact_bytes` (5 MiB). */
export const DEFAULT_MAX_ARTIFACT_BYTES = 5_242_880;
