package io.loadeds.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS keys from a file, the environment and flags, and the checks that stop a bad start. */
class TlsConfigTest {
  @TempDir Path tmp;

  @Test
  void offByDefault() {
    TlsConfig tls = ServerConfig.defaults().tls();
    assertThat(tls.enabled()).isFalse();
    assertThat(tls.mutual()).isFalse();
  }

  @Test
  void filesFromYamlEnvironmentAndFlags() throws Exception {
    Path cert = Files.writeString(tmp.resolve("cert.pem"), "x");
    Path key = Files.writeString(tmp.resolve("key.pem"), "x");
    Path ca = Files.writeString(tmp.resolve("ca.pem"), "x");
    Path file = Files.writeString(tmp.resolve("c.yaml"), "tls:\n  certFile: " + cert + "\n");

    ServerConfig c =
        ConfigLoader.load(
            file,
            Map.of("LOADEDS_TLS_KEY_FILE", key.toString()),
            Map.of("tls.clientCaFile", ca.toString()));

    assertThat(c.tls()).isEqualTo(new TlsConfig(cert.toString(), key.toString(), ca.toString()));
    assertThat(c.tls().enabled()).isTrue();
    assertThat(c.tls().mutual()).isTrue();
  }

  @Test
  void certificateAndKeyComeTogether() throws Exception {
    Path key = Files.writeString(tmp.resolve("key.pem"), "x");

    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("tls.keyFile", key.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls.certFile and tls.keyFile must be set together (got only tls.keyFile)");
  }

  @Test
  void anUnreadableFileIsNamed() throws Exception {
    Path cert = Files.writeString(tmp.resolve("cert.pem"), "x");
    Path missing = tmp.resolve("nope.pem");

    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    null,
                    Map.of(),
                    Map.of("tls.certFile", cert.toString(), "tls.keyFile", missing.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls.keyFile " + missing + " is not a readable file");
  }

  @Test
  void aClientCaNeedsAServerCertificate() throws Exception {
    Path ca = Files.writeString(tmp.resolve("ca.pem"), "x");

    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("tls.clientCaFile", ca.toString())))
        .hasMessage("tls.clientCaFile needs tls.certFile and tls.keyFile");
  }
}
