package io.custos.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.failure.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("SS-002 11.7.1 — checkpoints are C2SP signed notes that verify only unchanged")
class CheckpointTest {
  private static final byte[] ROOT = MerkleTree.leafHash("root".getBytes(StandardCharsets.UTF_8));
  private static final Checkpoint CP = new Checkpoint(TestLogs.ORIGIN, 20, ROOT,
      Instant.parse("2025-03-01T09:15:00.250Z"));
  private static final String TEXT = TestLogs.ORIGIN + "\n20\n"
      + Base64.getEncoder().encodeToString(ROOT) + "\ntime 2025-03-01T09:15:00.250Z\n";

  @Test
  @DisplayName("the text form follows c2sp.org/tlog-checkpoint with a time extension line")
  void textForm() {
    assertThat(CP.toText()).isEqualTo(TEXT);
    assertThat(Checkpoint.fromText(TEXT)).isEqualTo(CP);
  }

  @ParameterizedTest(name = "{0}")
  @DisplayName("malformed checkpoint text is refused, naming the line")
  @CsvSource(delimiter = '|', textBlock = """
      no final newline   | 'o\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\ntime 2025-03-01T09:15:00.250Z' | does not end with a newline
      three lines        | 'o\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n'                              | has 3 lines; expected 4
      extra line         | 'o\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\ntime 2025-03-01T09:15:00.250Z\\nx\\n' | has 5 lines
      origin with space  | 'o o\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\ntime 2025-03-01T09:15:00.250Z\\n' | line 1 (origin): key name 'o o' contains U+0020
      origin with plus   | 'o+x\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\ntime 2025-03-01T09:15:00.250Z\\n' | line 1 (origin)
      leading zero       | 'o\\n01\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\ntime 2025-03-01T09:15:00.250Z\\n' | line 2 (size): '01'
      negative size      | 'o\\n-1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\ntime 2025-03-01T09:15:00.250Z\\n' | line 2 (size)
      unpadded base64    | 'o\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\\ntime 2025-03-01T09:15:00.250Z\\n'  | line 3 (root hash)
      short root         | 'o\\n1\\nAAAA\\ntime 2025-03-01T09:15:00.250Z\\n'                                  | line 3 (root hash): 'AAAA' is not the base64 of 32 bytes
      no time keyword    | 'o\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n2025-03-01T09:15:00.250Z\\n' | line 4: expected 'time <RFC 3339 UTC>'
      time without ms    | 'o\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\ntime 2025-03-01T09:15:00Z\\n'     | line 4 (time)
      """)
  void refusesMalformedText(String name, String text, String expected) {
    assertThatThrownBy(() -> Checkpoint.fromText(text.replace("\\n", "\n")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(expected);
  }

  @Test
  @DisplayName("a signed checkpoint round-trips through its note")
  void noteRoundTrip() {
    SignedCheckpoint signed = SignedCheckpoint.sign(CP, TestLogs.SIGNER);
    String note = signed.toNote();
    assertThat(note).startsWith(TEXT + "\n\u2014 " + TestLogs.ORIGIN + " ").endsWith("\n");
    byte[] blob = Base64.getDecoder().decode(note.substring(note.lastIndexOf(' ') + 1).strip());
    assertThat(blob).hasSize(68);
    assertThat(java.nio.ByteBuffer.wrap(blob).getInt())
        .isEqualTo(CheckpointKeys.keyId(TestLogs.ORIGIN, TestLogs.PUBLIC_KEY));
    assertThat(SignedCheckpoint.parse(note, TestLogs.PUBLIC_KEY, TestLogs.ORIGIN)).isEqualTo(signed);
  }

  @Test
  @DisplayName("a bad signature, another key, another key name or altered text is refused")
  void refusesForgeries() {
    String note = SignedCheckpoint.sign(CP, TestLogs.SIGNER).toNote();
    int sigAt = note.lastIndexOf(' ') + 1;
    byte[] blob = Base64.getDecoder().decode(note.substring(sigAt).strip());
    blob[10] ^= 1;
    String badSignature = note.substring(0, sigAt) + Base64.getEncoder().encodeToString(blob) + "\n";
    assertThatThrownBy(() -> parse(badSignature))
        .hasMessage("signed note: bad signature by key '" + TestLogs.ORIGIN + "' (signature line 1)");

    assertThatThrownBy(() -> parse(note.replace("\n20\n", "\n21\n")))
        .hasMessageContaining("bad signature");

    byte[] otherKey = new Ed25519CheckpointSigner(TestLogs.ORIGIN, TestLogs.newKeyPair()).publicKey();
    assertThatThrownBy(() -> SignedCheckpoint.parse(note, otherKey, TestLogs.ORIGIN))
        .hasMessageStartingWith("signed note: no signature by key '" + TestLogs.ORIGIN + "' (key ID ")
        .hasMessageContaining("found " + TestLogs.ORIGIN + " (key ID ");

    assertThatThrownBy(() -> SignedCheckpoint.parse(note, TestLogs.PUBLIC_KEY, "other.example/log"))
        .hasMessageStartingWith("signed note: no signature by key 'other.example/log'");
  }

  @ParameterizedTest(name = "{0}")
  @DisplayName("malformed notes are refused with a precise reason")
  @CsvSource(delimiter = '|', textBlock = """
      no blank line        | REMOVE_BLANK    | no blank line between the text and the signatures
      no signature         | NO_SIGNATURE    | no signature lines after the blank line
      no final newline     | NO_NEWLINE      | does not end with a newline
      hyphen for em dash   | HYPHEN          | signature line 1 does not start with an em dash and a space
      bad base64           | BAD_BASE64      | signature line 1: not the base64 of a key ID and a signature
      carriage return      | CR              | control character U+000D
      """)
  void refusesMalformedNotes(String name, String how, String expected) {
    String note = SignedCheckpoint.sign(CP, TestLogs.SIGNER).toNote();
    String bad = switch (how) {
      case "REMOVE_BLANK" -> note.replace("\n\n", "\n");
      case "NO_SIGNATURE" -> TEXT + "\n";
      case "NO_NEWLINE" -> note.strip();
      case "HYPHEN" -> note.replace("\u2014 ", "- ");
      case "BAD_BASE64" -> note.substring(0, note.length() - 3) + "!\n";
      case "CR" -> note.replace("\n20\n", "\r\n20\n");
      default -> throw new IllegalArgumentException(how);
    };
    assertThatThrownBy(() -> parse(bad))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(expected);
  }

  @Test
  @DisplayName("signatures by unknown keys are ignored; a failing one by the known key is not")
  void otherSignatures() {
    String note = SignedCheckpoint.sign(CP, TestLogs.SIGNER).toNote();
    String witness = "\u2014 witness.example/w1 " + Base64.getEncoder().encodeToString(new byte[68]) + "\n";
    assertThat(parse(note + witness).checkpoint()).isEqualTo(CP);
    String sigLine = note.substring(note.lastIndexOf("\n\u2014") + 1);
    String broken = sigLine.substring(0, sigLine.length() - 5) + "AAA=\n";
    assertThatThrownBy(() -> parse(note + broken)).hasMessageContaining("(signature line 2)");
  }

  @Test
  @DisplayName("known answer: the signed note of Go's golang.org/x/mod/sumdb/note tests")
  void goSumdbNoteVector() throws Exception {
    // Key pair, text and note from golang.org/x/mod/sumdb/note (note.go example, note_test.go).
    String vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    byte[] typedSeed = Base64.getDecoder().decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
    String text = "If you think cryptography is the answer to your problem,\n"
        + "then you don't know what your problem is.\n";
    String note = text + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGU"
        + "gYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    byte[] publicKey = Arrays.copyOfRange(Base64.getDecoder().decode(vkey.split("\\+")[2]), 1, 33);

    assertThat(CheckpointKeys.keyId("PeterNeumann", publicKey)).isEqualTo(0xc74f20a3);
    assertThat(CheckpointKeys.verifierKey("PeterNeumann", publicKey)).isEqualTo(vkey);
    assertThat(SignedNote.open(note, publicKey, "PeterNeumann").text()).isEqualTo(text);
    assertThatThrownBy(() -> SignedNote.open(note.replace("cryptography", "cryptographY"),
        publicKey, "PeterNeumann")).hasMessageContaining("bad signature");

    // Ed25519 is deterministic: the JDK signer reproduces the published note byte for byte.
    PrivateKey privateKey = KeyFactory.getInstance("Ed25519").generatePrivate(
        new EdECPrivateKeySpec(NamedParameterSpec.ED25519, Arrays.copyOfRange(typedSeed, 1, 33)));
    KeyPair pair = new KeyPair(CheckpointKeys.publicKey(publicKey), privateKey);
    Ed25519CheckpointSigner signer = new Ed25519CheckpointSigner("PeterNeumann", pair);
    assertThat(SignedNote.format(text, "PeterNeumann", 0xc74f20a3,
        signer.sign(text.getBytes(StandardCharsets.UTF_8)))).isEqualTo(note);
  }

  @Test
  @DisplayName("known answer: the signed checkpoint and public key shown in docs/audit-format.md")
  void documentedCheckpoint() {
    String note = "custos.example.org/audit\n12\nhC32uBPLpQ6CTESVz49/aSbPlczglUb9AiNcFwi4uXc=\n"
        + "time 2025-03-01T09:00:12.001Z\n\n\u2014 custos.example.org/audit ijaP5jE2jRwXlvHByqGvnv0w"
        + "WnlEA19x9c8CttzQYuHsIfcPDkktHA5fRWm23S9gEGUyNi6KXVxNT15dqjf5VlDKMwo=\n";
    byte[] key = CheckpointKeys.fromPem("-----BEGIN PUBLIC KEY-----\n"
        + "MCowBQYDK2VwAyEAMIXKSXZiY/rReAfLsMJsMGoFhZH4QrRJ5iDFnWAH8GY=\n-----END PUBLIC KEY-----\n");
    SignedCheckpoint signed = SignedCheckpoint.parse(note, key, "custos.example.org/audit");
    assertThat(signed.checkpoint().size()).isEqualTo(12);
    assertThat(signed.toNote()).isEqualTo(note);
    assertThat(CheckpointKeys.verifierKey("custos.example.org/audit", key))
        .isEqualTo("custos.example.org/audit+8a368fe6+ATCFykl2YmP60XgHy7DCbDBqBYWR+EK0SeYgxZ1gB/Bm");
  }

  @Test
  @DisplayName("the public key travels as PEM (X.509 SubjectPublicKeyInfo) and back")
  void pem() {
    String pem = CheckpointKeys.toPem(TestLogs.PUBLIC_KEY);
    assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA")
        .endsWith("\n-----END PUBLIC KEY-----\n");
    assertThat(CheckpointKeys.fromPem(pem)).isEqualTo(TestLogs.PUBLIC_KEY);
    assertThat(CheckpointKeys.fromPem(pem.replace("\n", "\r\n"))).isEqualTo(TestLogs.PUBLIC_KEY);
    assertThat(CheckpointKeys.rawPublicKey(TestLogs.KEYS.getPublic())).isEqualTo(TestLogs.PUBLIC_KEY);
    assertThatThrownBy(() -> CheckpointKeys.fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n"
        + "-----END PUBLIC KEY-----")).hasMessageStartingWith("not an Ed25519 public key");
    assertThatThrownBy(() -> CheckpointKeys.fromPem("hello"))
        .hasMessageStartingWith("not a PEM public key");
  }

  @Test
  @DisplayName("a signer refuses a key pair whose halves do not belong together")
  void mismatchedPair() {
    KeyPair a = TestLogs.newKeyPair();
    KeyPair b = TestLogs.newKeyPair();
    assertThatThrownBy(() -> new Ed25519CheckpointSigner("k", new KeyPair(a.getPublic(), b.getPrivate())))
        .hasMessage("the private key does not belong to the public key");
    assertThatThrownBy(() -> new Ed25519CheckpointSigner("bad name", a))
        .hasMessageContaining("spaces, '+' and control characters are not allowed");
  }

  private static SignedCheckpoint parse(String note) {
    return SignedCheckpoint.parse(note, TestLogs.PUBLIC_KEY, TestLogs.ORIGIN);
  }
}
