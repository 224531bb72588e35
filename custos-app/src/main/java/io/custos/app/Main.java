package io.custos.app;

import io.custos.app.config.ConfigException;
import io.custos.failure.CustosException;
import io.custos.server.ServerStartException;
import java.io.PrintWriter;
import picocli.CommandLine;

/** {@code custos}: the one entry point. Exit codes: 0 ok, 1 operation failed, 2 usage or configuration error. */
public final class Main {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private Main() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new CustosCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler(Main::failure);
    return cl;
  }

  /** One line, no stack trace: what went wrong, in words the operator can act on. */
  private static int failure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    int code = switch (e) {
      case ConfigException c -> USAGE;
      case UsageFailure u -> USAGE;
      case CustosException c -> FAILED;
      case ServerStartException s -> FAILED;
      case ClientFailure c -> FAILED;
      default -> FAILED;
    };
    String message = switch (e) {
      case ConfigException c -> c.getMessage();
      case UsageFailure u -> u.getMessage();
      case CustosException c -> c.getMessage();
      case ServerStartException s -> s.getMessage();
      case ClientFailure c -> c.getMessage();
      default -> "unexpected failure: " + e;
    };
    err.println("custos: " + message);
    err.flush();
    return code;
  }
}
