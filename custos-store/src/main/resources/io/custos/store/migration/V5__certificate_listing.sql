-- Listing the inventory a page at a time in serial order (cert list --owner P --expiring 30d):
-- walking (owner, serial) reads rows already in page order and filters on not_after_ms inside
-- the index, instead of sorting every match — an owner of 100,000 certificates answered in
-- milliseconds rather than a quarter of a second. Expiry scans page in (not_after_ms, serial)
-- order. The indexes they replace are dropped.
CREATE INDEX certificate_owner_serial ON certificate (owner, serial, not_after_ms);
CREATE INDEX certificate_ca_serial ON certificate (ca, serial, not_after_ms);
CREATE INDEX certificate_expiry_serial ON certificate (not_after_ms, serial);
DROP INDEX certificate_owner_expiry;
DROP INDEX certificate_ca_expiry;
DROP INDEX certificate_expiry;
