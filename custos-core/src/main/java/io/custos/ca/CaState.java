package io.custos.ca;

import io.custos.failure.InvalidInputException;
import io.custos.x509.CaLevel;
import io.custos.x509.Certificates;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A certificate authority as stored (under the barrier, record {@code ca.authority/<name>}).
 *
 * @param keyName the managed key (attribute ca) that signs for it
 * @param state {@code pending} (request made, waiting for its parent's signature), {@code active}, or
 *     {@code compromised} (its key was declared compromised: it signs nothing more, SS-002 11.6.1)
 * @param chain the certificates above this CA's own, up to and including the root
 * @param request the pending CA's PKCS#10 request for its parent
 */
public record CaState(
    String name,
    CaLevel level,
    String keyName,
    String state,
    byte[] subjectDer,
    Optional<byte[]> certificate,
    List<byte[]> chain,
    String owner,
    Instant createdAt,
    Optional<byte[]> request) {

  public CaState {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(level, "level");
    subjectDer = subjectDer.clone();
    certificate = certificate.map(byte[]::clone);
    chain = chain.stream().map(byte[]::clone).toList();
    request = request.map(byte[]::clone);
  }

  public String subject() {
    return Certificates.nameText(subjectDer);
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeUTF(name);
      out.writeUTF(level.name());
      out.writeUTF(keyName);
      out.writeUTF(state);
      blob(out, subjectDer);
      out.writeBoolean(certificate.isPresent());
      if (certificate.isPresent()) {
        blob(out, certificate.get());
      }
      out.writeInt(chain.size());
      for (byte[] c : chain) {
        blob(out, c);
      }
      out.writeUTF(owner);
      out.writeLong(createdAt.toEpochMilli());
      out.writeBoolean(request.isPresent());
      if (request.isPresent()) {
        blob(out, request.get());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static CaState decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readUnsignedByte() != 1) {
        throw new InvalidInputException("stored CA record has an unknown format");
      }
      String name = in.readUTF();
      CaLevel level = CaLevel.valueOf(in.readUTF());
      String key = in.readUTF();
      String state = in.readUTF();
      byte[] subject = blob(in);
      Optional<byte[]> cert = in.readBoolean() ? Optional.of(blob(in)) : Optional.empty();
      int n = in.readInt();
      if (n < 0 || n > 16) {
        throw new InvalidInputException("stored CA record has a chain of " + n);
      }
      List<byte[]> chain = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        chain.add(blob(in));
      }
      String owner = in.readUTF();
      Instant created = Instant.ofEpochMilli(in.readLong());
      Optional<byte[]> request = in.readBoolean() ? Optional.of(blob(in)) : Optional.empty();
      return new CaState(name, level, key, state, subject, cert, chain, owner, created, request);
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidInputException("stored CA record is malformed");
    }
  }

  private static void blob(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] blob(DataInputStream in) throws IOException {
    int len = in.readInt();
    if (len < 0 || len > 1 << 20) {
      throw new IOException("blob of " + len + " bytes");
    }
    return in.readNBytes(len);
  }
}
