package io.custos.app;

import io.custos.app.config.ConfigException;
import io.custos.app.config.ConfigLoader;
import io.custos.app.config.CustosConfig;
import io.custos.store.StorageUrl;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Run the Custos server.",
        "Flags override the config file, which environment variables CUSTOS_* override in turn."})
final class ServerCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

  @ParentCommand CustosCommand parent;
  @Spec CommandSpec spec;

  @Option(names = "--dev", description = "Development server: plain HTTP on 127.0.0.1, a temporary data "
      + "directory removed on exit, the embedded SQLite store. Never for production.")
  boolean dev;

  @Option(names = "--dev-root-token", paramLabel = "VALUE",
      description = "Dev mode: create this root token (so scripts can set CUSTOS_TOKEN at once).")
  String devRootToken;

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (custos.yaml); default $CUSTOS_CONFIG.")
  Path config;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default 127.0.0.1:8200).")
  String listen;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain for TLS.")
  String tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM (PKCS#8) private key for TLS.")
  String tlsKey;

  @Override
  public Integer call() throws Exception {
    Map<String, String> env = System.getenv();
    ConfigLoader loader = new ConfigLoader();
    Path file = config != null ? config : env.containsKey("CUSTOS_CONFIG") ? Path.of(env.get("CUSTOS_CONFIG")) : null;
    if (file != null) {
      loader.file(file);
    }
    loader.environment(env)
        .flag("listen", "--listen", listen)
        .flag("tls.cert", "--tls-cert", tlsCert)
        .flag("tls.key", "--tls-key", tlsKey)
        .flag("data_dir", "--data-dir", parent.dataDir == null ? null : parent.dataDir.toString());
    CustosConfig cfg = loader.load();
    if (!dev && cfg.tlsCert().isEmpty()) {
      throw new ConfigException("outside dev mode the server needs TLS (SS-002 11.3.4): set tls.cert and "
          + "tls.key in the config file, CUSTOS_TLS_CERT and CUSTOS_TLS_KEY, or --tls-cert and --tls-key; "
          + "or run a development server with --dev");
    }
    if (devRootToken != null && !dev) {
      throw new ConfigException("--dev-root-token needs --dev");
    }
    Logging.configure(cfg.logFormat(), cfg.logLevel());

    Path temporary = null;
    Path dataDir = cfg.dataDir();
    StorageUrl storage = cfg.storageUrl();
    if (dev) {
      if (parent.dataDir == null) {
        temporary = Files.createTempDirectory("custos-dev-");
        dataDir = temporary;
      }
      storage = StorageUrl.inDataDir(dataDir); // dev never touches a configured production store
    }

    CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), s -> stop.countDown());
    Signal.handle(new Signal("INT"), s -> stop.countDown());
    try (Node node = Node.start(cfg, storage, dev, java.util.Optional.ofNullable(devRootToken))) {
      if (dev) {
        printDevBanner(node, dataDir, temporary != null);
      }
      LOG.info("{} serving on {} with {} storage", VersionInfo.CURRENT, node.address(), node.storageKind());
      stop.await();
      LOG.info("shutting down: finishing in-flight requests");
    } finally {
      if (temporary != null) {
        deleteTree(temporary);
      }
    }
    LOG.info("stopped");
    return 0;
  }

  private void printDevBanner(Node node, Path dataDir, boolean temporary) {
    PrintWriter out = spec.commandLine().getOut();
    String addr = node.address();
    out.println("Custos dev server " + VersionInfo.CURRENT.version() + " (commit " + VersionInfo.CURRENT.commit() + ")");
    out.println("WARNING: dev mode is not for production: plain HTTP, "
        + (temporary ? "temporary data" : "data in " + dataDir) + ", non-compliant settings.");
    out.println();
    out.println("  Address:   " + addr);
    out.println("  Data dir:  " + dataDir + (temporary ? " (removed on exit)" : ""));
    out.println("  Storage:   " + node.storageKind() + " (" + Node.devDatabase(dataDir) + ")");
    out.println("  Seal:      " + node.sealState().name().toLowerCase(java.util.Locale.ROOT));
    node.devInit().ifPresent(init -> {
      out.println();
      out.println("The dev server is initialised and unsealed. Shown once:");
      out.println("  Unseal Key: " + init.shares().getFirst());
      out.println("  Root Token: " + init.rootToken());
    });
    if (node.devInit().isEmpty() && node.sealState() == io.custos.system.SystemState.SEALED) {
      out.println();
      out.println("This data directory is already initialised and starts sealed: custos operator unseal");
    }
    out.println();
    out.println("Try:");
    out.println("  curl " + addr + "/v1/sys/health");
    out.println("  CUSTOS_ADDR=" + addr + " ./custos status");
    out.println("  CUSTOS_ADDR=" + addr + " ./custos operator status");
    out.println("  CUSTOS_ADDR=" + addr + " ./custos audit tail");
    out.println("  curl " + addr + "/v1/openapi.json");
    node.devCa().ifPresent(ca -> {
      out.println();
      DevCa.howTo().forEach(out::println);
    });
    out.println();
    out.println("Stop with Ctrl-C.");
    out.flush();
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          LOG.warn("could not remove {}: {}", p, e.getMessage());
        }
      });
    } catch (IOException e) {
      LOG.warn("could not remove the dev data directory {}: {}", root, e.getMessage());
    }
  }
}
