package io.loadeds.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.loadeds.config.AuthConfig;
import io.loadeds.config.LimitsConfig;
import io.loadeds.registration.ApiServer.Answer;
import io.loadeds.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registration authentication over a real server: tokens from a file and the environment. */
class AuthTest {
  static final String GLOBAL = "global-token-0123456789abcdef";
  static final String SHOP = "shop-token-0123456789abcdef";
  static final String ENV = "env-token-0123456789abcdef";

  @TempDir Path tmp;
  private SecureServer server;
  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.of(AccessGuard.class.getName());
  }

  @AfterEach
  void stop() throws Exception {
    log.close();
    if (server != null) {
      server.close();
    }
  }

  private Path tokensFile() throws IOException {
    return Files.writeString(
        tmp.resolve("tokens.yaml"), "global: " + GLOBAL + "\nclusters:\n  shop: " + SHOP + "\n");
  }

  private SecureServer start(boolean protectReads) throws IOException {
    AuthConfig auth =
        AuthConfig.defaults()
            .withToken(ENV)
            .withTokensFile(tokensFile().toString())
            .withProtectReads(protectReads);
    server = new SecureServer(auth, LimitsConfig.defaults());
    return server;
  }

  private String logText() {
    StringBuilder out = new StringBuilder();
    for (LogRecord r : log.records()) {
      out.append(r.getLevel())
          .append(' ')
          .append(java.text.MessageFormat.format(r.getMessage(), r.getParameters()))
          .append('\n');
    }
    return out.toString();
  }

  @Test
  void aWriteWithoutTokenIs401AndChangesNothing() throws IOException {
    start(false);

    Answer a = server.put("shop", "a", "10.0.0.1", null);

    a.problem(401);
    assertThat(a.headers().firstValue("www-authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(server.get("/v1/clusters/shop", null).status()).isEqualTo(404);
    assertThat(server.server.registry().clusters()).isEmpty();
    assertThat(logText()).contains("WARNING", "identity none", "401");
  }

  @Test
  void anUnknownTokenIs401NamingAnInvalidToken() throws IOException {
    start(false);

    Answer a = server.put("shop", "a", "10.0.0.1", "not-a-valid-token-at-all");

    a.problem(401);
    assertThat(a.headers().firstValue("www-authenticate").orElseThrow()).contains("invalid_token");
    assertThat(logText()).doesNotContain("not-a-valid-token-at-all");
  }

  @Test
  void aClusterTokenGrantsOnlyItsCluster() throws IOException {
    start(false);

    assertThat(server.put("shop", "a", "10.0.0.1", SHOP).status()).isEqualTo(201);
    String patch = "{\"active\":3}";
    assertThat(server.send("PATCH", "/v1/clusters/shop/endpoints/a", patch, SHOP).status())
        .isEqualTo(200);
    JsonNode p = server.put("cart", "b", "10.0.0.2", SHOP).problem(403);

    assertThat(p.path("cluster").asText()).isEqualTo("cart");
    assertThat(server.send("DELETE", "/v1/clusters/shop/endpoints/a", null, "x" + SHOP).status())
        .isEqualTo(401);
    assertThat(server.send("DELETE", "/v1/clusters/shop/endpoints/a", null, SHOP).status())
        .isEqualTo(204);
    assertThat(server.server.registry().clusters()).isEmpty();
    assertThat(logText()).contains("identity cluster:shop", "403").doesNotContain(SHOP);
  }

  @Test
  void theGlobalTokensGrantEveryCluster() throws IOException {
    start(false);

    assertThat(server.put("shop", "a", "10.0.0.1", GLOBAL).status()).isEqualTo(201);
    assertThat(server.put("cart", "b", "10.0.0.2", ENV).status()).isEqualTo(201);
    assertThat(server.server.registry().clusters()).hasSize(2);
  }

  @Test
  void compatibilityWritesNeedTheServicesToken() throws IOException {
    start(false);
    String hosts = "{\"hosts\":[{\"ip_address\":\"10.0.0.5\",\"port\":80}]}";

    server.send("POST", "/edsservice/shop", hosts, null).problem(401);
    server.send("POST", "/edsservice/cart", hosts, SHOP).problem(403);
    assertThat(server.send("POST", "/edsservice/shop", hosts, SHOP).status()).isEqualTo(201);
  }

  @Test
  void readsAreOpenByDefault() throws IOException {
    start(false);
    server.put("shop", "a", "10.0.0.1", SHOP);

    assertThat(server.get("/v1/clusters", null).status()).isEqualTo(200);
    assertThat(server.get("/v1/clusters/shop/endpoints/a", null).status()).isEqualTo(200);
  }

  @Test
  void protectedReadsNeedAnyValidTokenButProbesStayOpen() throws IOException {
    start(true);
    server.put("shop", "a", "10.0.0.1", SHOP);

    server.get("/v1/clusters", null).problem(401);
    server.get("/v1/clusters/shop", "wrong-token-0123456789").problem(401);
    assertThat(server.get("/v1/debug/xds", null).status()).isEqualTo(401);
    assertThat(server.get("/dashboard/", null).status()).isEqualTo(401);
    assertThat(server.get("/v1/clusters", SHOP).status()).isEqualTo(200);
    assertThat(server.get("/v1/clusters/shop", GLOBAL).status()).isEqualTo(200);
    for (String open : List.of("/healthz", "/readyz", "/metrics", "/v1/openapi.json")) {
      assertThat(server.get(open, null).status()).as(open).isEqualTo(200);
    }
  }

  @Test
  void refusalsAreLoggedOnceAtWarningWithoutTheSecret() throws IOException {
    start(false);

    server.put("cart", "b", "10.0.0.2", SHOP);

    assertThat(log.messages(Level.WARNING)).hasSize(1);
    assertThat(logText()).contains("127.0.0.1", "cluster:shop", "PUT").doesNotContain(SHOP);
  }

  @Test
  void aRefusalLogLineCannotBeSplitByTheRequest() throws IOException {
    start(false);

    server.put("a%0AWARNING%20forged", "b", "10.0.0.2", SHOP);

    assertThat(log.messages(Level.WARNING)).hasSize(1);
    assertThat(logText().strip()).doesNotContain("\n").contains("WARNING forged");
  }

  @Test
  void aMissingTokensFileStopsTheStart() {
    AuthConfig auth = AuthConfig.defaults().withTokensFile(tmp.resolve("nope.yaml").toString());

    assertThatThrownBy(() -> new SecureServer(auth, LimitsConfig.defaults()))
        .hasStackTraceContaining("auth.tokensFile");
  }
}
