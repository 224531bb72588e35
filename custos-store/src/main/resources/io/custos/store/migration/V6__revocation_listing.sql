-- Revocation lists (SS-002 11.6.4). A CA's CRL lists every revoked and held certificate: the
-- covering index on (ca, status, serial, revoked_at_ms, revocation_reason) reads a million of
-- them without touching the table. Delta CRLs list the certificates whose status changed since
-- their base CRL, hence the time of the last status change and an index on it.
ALTER TABLE certificate ADD COLUMN status_changed_at_ms BIGINT;
UPDATE certificate SET status_changed_at_ms = revoked_at_ms WHERE revoked_at_ms IS NOT NULL;
CREATE INDEX certificate_ca_status ON certificate (ca, status, serial, revoked_at_ms, revocation_reason);
CREATE INDEX certificate_ca_status_changed ON certificate (ca, status_changed_at_ms);
