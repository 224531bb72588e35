package io.custos.store;

import java.util.List;
import java.util.Optional;

/**
 * Opaque byte records addressed by (type, id), each with a version that increases by one on
 * every write. Writes are compare-and-set on that version, so two writers can never silently
 * overwrite each other.
 *
 * <p>Types are short lower-case names ({@code [a-z][a-z0-9_.-]{0,63}}); ids are printable text
 * of 1 to 512 characters. Anything else is refused with
 * {@link io.custos.failure.InvalidInputException} before the database is touched.
 */
public interface RecordStore {

  /** Largest payload accepted, in bytes. */
  int MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

  Optional<StoredRecord> get(String type, String id);

  /**
   * The record's current version, 0 if there is none: what a cache of the decoded record checks
   * before trusting its copy. Adapters answer without reading the payload.
   */
  default long version(String type, String id) {
    return get(type, id).map(StoredRecord::version).orElse(0L);
  }

  /**
   * Creates the record when {@code expectedVersion} is 0, otherwise replaces the record that is
   * at exactly {@code expectedVersion}.
   *
   * @return the record as stored, with its new version
   * @throws io.custos.failure.ConflictException if the record is not at {@code expectedVersion}
   *     (or already exists, for a create)
   */
  StoredRecord put(String type, String id, byte[] payload, long expectedVersion);

  /**
   * Deletes the record if it is at {@code expectedVersion}.
   *
   * @throws io.custos.failure.ConflictException if it is at another version
   * @throws io.custos.failure.NotFoundException if there is no such record
   */
  void delete(String type, String id, long expectedVersion);

  /** Ids of the given type that start with {@code prefix}, in ascending order, at most {@code limit}. */
  List<String> list(String type, String prefix, int limit);
}
