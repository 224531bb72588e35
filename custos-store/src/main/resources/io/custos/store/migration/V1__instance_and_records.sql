-- Custos schema v1. Portable SQL only (SQLite and PostgreSQL); ${blob} is BLOB or BYTEA.
-- Times are epoch milliseconds (UTC) in BIGINT columns: portable and sortable.

-- The identity of this installation; exactly one row.
CREATE TABLE custos_instance (
    singleton          INTEGER      NOT NULL PRIMARY KEY CHECK (singleton = 1),
    instance_id        VARCHAR(36)  NOT NULL,
    created_at_ms      BIGINT       NOT NULL,
    created_by_version VARCHAR(64)  NOT NULL
);

-- Opaque versioned records; secrets arrive here only as barrier ciphertext.
CREATE TABLE custos_record (
    record_type    VARCHAR(64)  NOT NULL,
    record_id      VARCHAR(512) NOT NULL,
    version        BIGINT       NOT NULL CHECK (version >= 1),
    payload        ${blob}      NOT NULL,
    updated_at_ms  BIGINT       NOT NULL,
    PRIMARY KEY (record_type, record_id)
);
