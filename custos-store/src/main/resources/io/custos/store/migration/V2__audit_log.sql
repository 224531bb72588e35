-- The tamper-evident audit log (SS-002 11.7.1). Portable SQL; append-only rules are
-- vendor-specific triggers in migration-<vendor>/V3__audit_append_only.sql.

-- One row per event, seq 1, 2, 3, … without gaps. `event` is the canonical encoding (v1,
-- docs/audit-format.md); `leaf_hash` is its RFC 9162 leaf hash, kept so the tree can be
-- rebuilt without re-reading every event (verifiers recompute it).
CREATE TABLE audit_event (
    seq             BIGINT   NOT NULL PRIMARY KEY CHECK (seq >= 1),
    recorded_at_ms  BIGINT   NOT NULL,
    event           ${blob}  NOT NULL,
    leaf_hash       ${blob}  NOT NULL
);

-- Signed checkpoints: one per tree size, as the signed note text.
CREATE TABLE audit_checkpoint (
    tree_size     BIGINT         NOT NULL PRIMARY KEY CHECK (tree_size >= 1),
    issued_at_ms  BIGINT         NOT NULL,
    note          VARCHAR(8192)  NOT NULL
);

-- How far each central-log sink has delivered (the log itself is the queue).
CREATE TABLE audit_sink_cursor (
    sink               VARCHAR(64)  NOT NULL PRIMARY KEY,
    delivered_through  BIGINT       NOT NULL CHECK (delivered_through >= 0)
);
