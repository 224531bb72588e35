package io.custos.kms;

import io.custos.failure.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Binary encoding of {@link ManagedKey} metadata, as stored under the barrier and carried in
 * backups. Versioned by a leading format byte; readers refuse what they do not know.
 */
final class KeyCodec {
  private static final int FORMAT = 1;
  private static final int MAX_VERSIONS = 10_000;

  private KeyCodec() {}

  static byte[] encode(ManagedKey k) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeUTF(k.name());
      out.writeUTF(k.id());
      out.writeUTF(k.owner());
      out.writeUTF(k.purpose().id());
      out.writeUTF(k.algorithm().id());
      out.writeUTF(k.state().id());
      out.writeUTF(k.stateReason());
      instant(out, k.createdAt());
      instant(out, k.stateChangedAt());
      out.writeLong(k.period().originatorUsage().toSeconds());
      out.writeLong(k.period().recipientUsage().toSeconds());
      out.writeLong(k.rotateEvery().map(Duration::toSeconds).orElse(0L));
      out.writeBoolean(k.escrowRequired());
      out.writeBoolean(k.retainUntil().isPresent());
      if (k.retainUntil().isPresent()) {
        instant(out, k.retainUntil().get());
      }
      out.writeBoolean(k.ca());
      out.writeUTF(k.origin());
      out.writeInt(k.versions().size());
      for (ManagedKey.Version v : k.versions()) {
        out.writeInt(v.number());
        instant(out, v.activatedAt());
        byte[] pub = v.publicKey();
        out.writeInt(pub.length);
        out.write(pub);
        out.writeLong(v.encryptionsReserved());
      }
      out.writeBoolean(k.lastBackup().isPresent());
      if (k.lastBackup().isPresent()) {
        out.writeInt(k.lastBackup().get().throughVersion());
        instant(out, k.lastBackup().get().at());
        out.writeUTF(k.lastBackup().get().wrappedWith());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static ManagedKey decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readUnsignedByte() != FORMAT) {
        throw new InvalidInputException("key record is of an unknown format");
      }
      String name = in.readUTF();
      String id = in.readUTF();
      String owner = in.readUTF();
      KeyPurpose purpose = KeyPurpose.parse(in.readUTF());
      String alg = in.readUTF();
      KeyAlgorithm algorithm = KeyAlgorithm.byId(alg)
          .orElseThrow(() -> new InvalidInputException("key record names unknown algorithm '" + alg + "'"));
      KeyState state = KeyState.parse(in.readUTF());
      String reason = in.readUTF();
      Instant created = instant(in);
      Instant changed = instant(in);
      Cryptoperiod period = new Cryptoperiod(Duration.ofSeconds(in.readLong()), Duration.ofSeconds(in.readLong()));
      long rotate = in.readLong();
      boolean escrow = in.readBoolean();
      Optional<Instant> retain = in.readBoolean() ? Optional.of(instant(in)) : Optional.empty();
      boolean ca = in.readBoolean();
      String origin = in.readUTF();
      int n = in.readInt();
      if (n < 1 || n > MAX_VERSIONS) {
        throw new InvalidInputException("key record has " + n + " versions");
      }
      List<ManagedKey.Version> versions = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int number = in.readInt();
        Instant activated = instant(in);
        int len = in.readInt();
        if (len < 0 || len > 1 << 16) {
          throw new InvalidInputException("key record has a public key of " + len + " bytes");
        }
        byte[] pub = in.readNBytes(len);
        versions.add(new ManagedKey.Version(number, activated, pub, in.readLong()));
      }
      Optional<ManagedKey.Backup> backup = in.readBoolean()
          ? Optional.of(new ManagedKey.Backup(in.readInt(), instant(in), in.readUTF()))
          : Optional.empty();
      if (in.available() != 0) {
        throw new InvalidInputException("key record has trailing bytes");
      }
      return new ManagedKey(name, id, owner, purpose, algorithm, state, reason, created, changed, period,
          rotate == 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(rotate)), escrow, retain, ca, origin, versions, backup);
    } catch (IOException | RuntimeException e) {
      if (e instanceof InvalidInputException iie) {
        throw iie;
      }
      throw new InvalidInputException("key record is truncated or malformed", e);
    }
  }

  private static void instant(DataOutputStream out, Instant t) throws IOException {
    out.writeLong(t.getEpochSecond());
    out.writeInt(t.getNano());
  }

  private static Instant instant(DataInputStream in) throws IOException {
    return Instant.ofEpochSecond(in.readLong(), in.readInt());
  }
}
