-- The certificate inventory (SS-002 11.5.2). Certificates are public; rows are added and only
-- their status columns change. Times are epoch milliseconds.
CREATE TABLE certificate (
    serial             VARCHAR(48)    NOT NULL PRIMARY KEY,
    ca                 VARCHAR(64)    NOT NULL,
    owner              VARCHAR(128)   NOT NULL,
    owner_name         VARCHAR(200)   NOT NULL,
    owner_contact      VARCHAR(320)   NOT NULL,
    profile            VARCHAR(64)    NOT NULL,
    subject            VARCHAR(1024)  NOT NULL,
    sans               VARCHAR(8192)  NOT NULL,
    spki_hash          ${blob}        NOT NULL,
    not_before_ms      BIGINT         NOT NULL,
    not_after_ms       BIGINT         NOT NULL,
    issued_at_ms       BIGINT         NOT NULL,
    status             VARCHAR(16)    NOT NULL,
    revoked_at_ms      BIGINT,
    revocation_reason  VARCHAR(32),
    der                ${blob}        NOT NULL
);
CREATE INDEX certificate_owner_expiry ON certificate (owner, not_after_ms);
CREATE INDEX certificate_ca_expiry ON certificate (ca, not_after_ms);
CREATE INDEX certificate_expiry ON certificate (not_after_ms);

-- Every public key ever certified, by SHA-256 of its SubjectPublicKeyInfo (SS-002 11.1.10).
CREATE TABLE certified_key (
    spki_hash  ${blob}      NOT NULL PRIMARY KEY,
    serial     VARCHAR(48)  NOT NULL
);
