package io.custos.kms;

import java.time.Instant;
import java.util.Optional;

/**
 * One row of the key inventory (SS-002 11.5.1): everything about a key except its secret, which
 * is named only by its location.
 *
 * @param location where the newest version's material is, e.g. {@code barrier:kms.material/payments/3}
 * @param protectedBy the module that encrypts the material at rest
 * @param performedBy the module that performs the key's operations
 * @param origin {@code generated} inside the validated module or {@code imported}
 */
public record InventoryEntry(
    String name,
    String id,
    String owner,
    String purpose,
    String algorithm,
    int sizeBits,
    int securityStrength,
    String state,
    int versions,
    Instant created,
    Instant activation,
    Instant originatorUsageEnd,
    Instant recipientUsageEnd,
    Optional<Instant> retainUntil,
    Optional<String> rotateEvery,
    String escrow,
    Optional<Instant> lastBackup,
    boolean ca,
    String origin,
    String protectedBy,
    String performedBy,
    String location) {}
