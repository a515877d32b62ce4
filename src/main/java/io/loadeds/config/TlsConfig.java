package io.loadeds.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS on the one port (REST and gRPC). Immutable; empty paths mean "not set".
 *
 * @param certFile PEM certificate chain of the server (default none: plaintext)
 * @param keyFile PEM private key of {@code certFile} (PKCS#8 or PKCS#1; default none)
 * @param clientCaFile PEM certificates trusted to sign client certificates (default none); when
 *     set, every client must present a certificate it signed (mutual TLS)
 */
public record TlsConfig(String certFile, String keyFile, String clientCaFile) {

  public TlsConfig {
    certFile = certFile == null ? "" : certFile.strip();
    keyFile = keyFile == null ? "" : keyFile.strip();
    clientCaFile = clientCaFile == null ? "" : clientCaFile.strip();
  }

  public static TlsConfig defaults() {
    return new TlsConfig("", "", "");
  }

  /** Whether the port serves TLS: both a certificate and a key are set. */
  public boolean enabled() {
    return !certFile.isEmpty();
  }

  /** Whether client certificates are required (mutual TLS). */
  public boolean mutual() {
    return !clientCaFile.isEmpty();
  }

  /** Checks that certificate and key come together and that every file set is readable. */
  public TlsConfig validate() {
    if (certFile.isEmpty() != keyFile.isEmpty()) {
      throw new IllegalArgumentException(
          "tls.certFile and tls.keyFile must be set together (got only "
              + (certFile.isEmpty() ? "tls.keyFile" : "tls.certFile")
              + ")");
    }
    if (mutual() && !enabled()) {
      throw new IllegalArgumentException("tls.clientCaFile needs tls.certFile and tls.keyFile");
    }
    readable("tls.certFile", certFile);
    readable("tls.keyFile", keyFile);
    readable("tls.clientCaFile", clientCaFile);
    return this;
  }

  private static void readable(String key, String file) {
    if (!file.isEmpty()
        && !(Files.isRegularFile(Path.of(file)) && Files.isReadable(Path.of(file)))) {
      throw new IllegalArgumentException(key + " " + file + " is not a readable file");
    }
  }

  public TlsConfig withCertFile(String v) {
    return new TlsConfig(v, keyFile, clientCaFile);
  }

  public TlsConfig withKeyFile(String v) {
    return new TlsConfig(certFile, v, clientCaFile);
  }

  public TlsConfig withClientCaFile(String v) {
    return new TlsConfig(certFile, keyFile, v);
  }
}
