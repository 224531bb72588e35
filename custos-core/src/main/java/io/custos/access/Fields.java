package io.custos.access;

import io.custos.failure.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stored form of access records: named, multi-valued text fields, length-prefixed
 * ({@code 0x01 || count (u16) || count × (name (UTF) || n (u16) || n × value (UTF))}). Small on
 * purpose: the barrier seals it, so its only job is to be unambiguous.
 */
final class Fields {
  private static final int FORMAT = 1;
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  Fields put(String name, String value) {
    values.put(name, List.of(value));
    return this;
  }

  Fields put(String name, List<String> list) {
    values.put(name, List.copyOf(list));
    return this;
  }

  String one(String name) {
    List<String> v = values.get(name);
    if (v == null || v.size() != 1) {
      throw new InvalidInputException("stored access record lacks '" + name + "'");
    }
    return v.getFirst();
  }

  java.util.Optional<String> optional(String name) {
    List<String> v = values.get(name);
    return v == null || v.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(v.getFirst());
  }

  List<String> list(String name) {
    return values.getOrDefault(name, List.of());
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeShort(values.size());
      for (Map.Entry<String, List<String>> e : values.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeShort(e.getValue().size());
        for (String v : e.getValue()) {
          out.writeUTF(v);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Fields decode(byte[] bytes) {
    Fields f = new Fields();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readUnsignedByte() != FORMAT) {
        throw new InvalidInputException("stored access record has an unknown format");
      }
      int n = in.readUnsignedShort();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        int count = in.readUnsignedShort();
        List<String> list = new ArrayList<>(count);
        for (int j = 0; j < count; j++) {
          list.add(in.readUTF());
        }
        f.values.put(name, list);
      }
      if (in.available() != 0) {
        throw new InvalidInputException("stored access record has trailing bytes");
      }
    } catch (IOException e) {
      throw new InvalidInputException("stored access record is truncated");
    }
    return f;
  }
}
