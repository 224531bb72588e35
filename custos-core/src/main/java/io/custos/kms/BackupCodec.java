package io.custos.kms;

import io.custos.crypto.SecretBytes;
import io.custos.failure.InvalidInputException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The plaintext inside a key backup, before it is wrapped (AES-KWP) under a wrap key:
 * <pre>
 *   "CKB1" || len(metadata) (u32) || metadata ({@link KeyCodec})
 *     || count (u32) || count × (version (u32) || len (u32) || material)
 * </pre>
 * The wrap's integrity check covers all of it (SS-002 11.4.2).
 */
final class BackupCodec {
  static final String PREFIX = "custos-backup-v1:";
  private static final int MAGIC = 0x434b4231;

  private BackupCodec() {}

  /** Restored metadata and material; closing wipes the material. */
  record Restored(ManagedKey key, Map<Integer, SecretBytes> material) implements AutoCloseable {
    @Override
    public void close() {
      material.values().forEach(SecretBytes::close);
    }
  }

  static byte[] encode(ManagedKey key, Function<ManagedKey.Version, VersionMaterial> material) {
    byte[] meta = KeyCodec.encode(key);
    Map<Integer, byte[]> parts = new LinkedHashMap<>();
    try {
      int size = 4 + 4 + meta.length + 4;
      for (ManagedKey.Version v : key.versions()) {
        byte[] m = material.apply(v).withSecret(s -> s.use(byte[]::clone));
        parts.put(v.number(), m);
        size += 8 + m.length;
      }
      ByteBuffer out = ByteBuffer.allocate(size).putInt(MAGIC).putInt(meta.length).put(meta).putInt(parts.size());
      parts.forEach((n, m) -> out.putInt(n).putInt(m.length).put(m));
      return out.array();
    } finally {
      parts.values().forEach(m -> Arrays.fill(m, (byte) 0));
    }
  }

  static Restored decode(byte[] body) {
    Map<Integer, SecretBytes> material = new LinkedHashMap<>();
    try {
      ByteBuffer in = ByteBuffer.wrap(body);
      if (in.getInt() != MAGIC) {
        throw new InvalidInputException("backup body is of an unknown format");
      }
      int metaLen = in.getInt();
      if (metaLen < 1 || metaLen > in.remaining()) {
        throw new InvalidInputException("backup body is truncated");
      }
      byte[] meta = new byte[metaLen];
      in.get(meta);
      ManagedKey key = KeyCodec.decode(meta);
      int count = in.getInt();
      if (count != key.versions().size()) {
        throw new InvalidInputException("backup holds " + count + " versions, its metadata names " + key.versions().size());
      }
      for (int i = 0; i < count; i++) {
        int number = in.getInt();
        int len = in.getInt();
        if (len < 1 || len > in.remaining() || key.version(number).isEmpty()) {
          throw new InvalidInputException("backup body is malformed");
        }
        byte[] m = new byte[len];
        in.get(m);
        material.put(number, SecretBytes.adopt(m));
      }
      if (in.hasRemaining()) {
        throw new InvalidInputException("backup body has trailing bytes");
      }
      return new Restored(key, material);
    } catch (BufferUnderflowException e) {
      material.values().forEach(SecretBytes::close);
      throw new InvalidInputException("backup body is truncated");
    } catch (RuntimeException e) {
      material.values().forEach(SecretBytes::close);
      throw e;
    }
  }
}
