package io.custos.store;

import io.custos.failure.InvalidInputException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the store lives: {@code sqlite:<path>} (the embedded default) or
 * {@code postgresql://host[:port]/db} (for several nodes sharing one database).
 */
public sealed interface StorageUrl {

  String kind();

  record Sqlite(Path file) implements StorageUrl {
    public Sqlite {
      Objects.requireNonNull(file, "file");
    }

    @Override
    public String kind() {
      return "sqlite";
    }

    @Override
    public String toString() {
      return "sqlite:" + file;
    }
  }

  record Postgresql(String url) implements StorageUrl {
    public Postgresql {
      Objects.requireNonNull(url, "url");
    }

    @Override
    public String kind() {
      return "postgresql";
    }

    /** The URL with any password replaced, fit for logs and status output. */
    @Override
    public String toString() {
      return url.replaceFirst("://([^:/@]*):[^@/]*@", "://$1:***@");
    }
  }

  /** The default: a SQLite file in the data directory. */
  static StorageUrl inDataDir(Path dataDir) {
    return new Sqlite(dataDir.resolve("custos.db"));
  }

  static StorageUrl parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException("storage URL is empty; expected sqlite:<path> or postgresql://host/db");
    }
    if (text.startsWith("sqlite:")) {
      String path = text.substring("sqlite:".length());
      if (path.startsWith("//")) {
        path = path.substring(2);
      }
      if (path.isBlank()) {
        throw new InvalidInputException("storage URL 'sqlite:' needs a file path, e.g. sqlite:/var/lib/custos/custos.db");
      }
      try {
        return new Sqlite(Path.of(path));
      } catch (InvalidPathException e) {
        throw new InvalidInputException("storage URL has an invalid file path: " + e.getReason());
      }
    }
    if (text.startsWith("postgresql://") || text.startsWith("postgres://")) {
      return new Postgresql(text);
    }
    throw new InvalidInputException("storage URL must start with sqlite: or postgresql://");
  }
}
