package io.custos.app;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(
    name = "custos",
    mixinStandardHelpOptions = true,
    versionProvider = VersionInfo.class,
    description = "PKI, key management and container supply chain, enforcing SS-002 and SS-011.",
    subcommands = {ServerCommand.class, StatusCommand.class, OperatorCommand.class, KeyCommand.class, AuditCommand.class,
        TrustCommand.class, TotpCommand.class, ApprovalCommand.class, CompletionCommand.class,
        PrincipalCommand.class, TokenCommand.class, LoginCommand.class, LoginCommand.Logout.class, PolicyCommand.class,
        AccessCommand.class, CaCommand.class, CertCommand.class, CrlCommand.class, CeremonyCommand.class, CompromiseCommand.class,
        picocli.CommandLine.HelpCommand.class},
    footer = {"", "Environment:",
        "  CUSTOS_ADDR     server address for client commands",
        "                  (default http://127.0.0.1:8200)",
        "  CUSTOS_CACERT   PEM file of the CA certificate to trust for CUSTOS_ADDR",
        "  CUSTOS_CONFIG   configuration file for `custos server` (same as --config)",
        "  CUSTOS_TOKEN    token for client commands (else the one `custos login` stored)",
        "  CUSTOS_TOKEN_FILE  where `custos login` stores it (default ~/.custos/token)",
        "", "Exit codes: 0 ok, 1 operation failed, 2 usage or configuration error."})
final class CustosCommand {
  @Option(names = "--output", scope = ScopeType.INHERIT, paramLabel = "FORMAT",
      completionCandidates = Output.Names.class,
      description = "Output format: table, json or csv (csv where a list is printed); default ${DEFAULT-VALUE}.",
      defaultValue = "table")
  Output output;

  @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
      description = "Data directory; overrides the configured one (dev mode: a fresh temporary directory unless given).")
  Path dataDir;
}
