-- Finding every certificate of a public key, in every CA, when the key is declared compromised
-- (SS-002 11.6.1): the certified_key index knows only the first serial of a key, and certificates
-- imported around that rule may share it.
CREATE INDEX certificate_spki_hash ON certificate (spki_hash);
