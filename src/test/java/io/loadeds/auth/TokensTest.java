package io.loadeds.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.loadeds.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
  private static final String SECRET = "s3cret-0123456789abcdef";

  @TempDir Path tmp;

  @Test
  void identifiesGlobalAndClusterTokensFromAJsonFile() throws Exception {
    Path file =
        Files.writeString(
            tmp.resolve("t.json"),
            "{\"global\":\"g-0123456789abcdef\",\"clusters\":{\"shop\":\"s-0123456789abcdef\"}}");

    Tokens tokens = Tokens.load("", file.toString());

    assertThat(tokens.enabled()).isTrue();
    assertThat(tokens.identify("g-0123456789abcdef")).isEqualTo(Identity.GLOBAL);
    assertThat(tokens.identify("s-0123456789abcdef").toString()).isEqualTo("cluster:shop");
    assertThat(tokens.identify("s-0123456789abcdef").grants("shop")).isTrue();
    assertThat(tokens.identify("s-0123456789abcdef").grants("cart")).isFalse();
    assertThat(tokens.identify("s-0123456789abcdeX")).isEqualTo(Identity.NONE);
    assertThat(tokens.identify("")).isEqualTo(Identity.NONE);
    assertThat(tokens.toString()).doesNotContain("0123456789");
  }

  @Test
  void shortTokensAndUnknownKeysAreRefusedWithoutQuotingThem() throws Exception {
    assertThatThrownBy(() -> Tokens.load("short", ""))
        .hasMessageContaining("shorter")
        .hasMessageNotContaining("short\"");
    Path file = Files.writeString(tmp.resolve("t.yaml"), "globel: abcdefghijklmnopqrstuvwxyz\n");
    assertThatThrownBy(() -> Tokens.load("", file.toString()))
        .hasMessageContaining("globel")
        .hasMessageNotContaining("abcdefghijklmnop");
  }

  @Test
  void aMissingTokensFileIsAConfigErrorNamingTheFile() {
    Path missing = tmp.resolve("nope.yaml");

    assertThatThrownBy(() -> Tokens.load("", missing.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("auth.tokensFile " + missing + ": no such file");
  }

  @Test
  void aTokensFileThatIsADirectoryIsAConfigError() {
    assertThatThrownBy(() -> Tokens.load("", tmp.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("auth.tokensFile " + tmp + ": a directory, not a file");
  }

  @Test
  void anUnreadableTokensFileIsAConfigError() throws Exception {
    Path file = Files.writeString(tmp.resolve("t.yaml"), "global: " + SECRET + "\n");
    Files.setPosixFilePermissions(file, Set.of());
    // root reads any file whatever its permissions: nothing to test as root.
    assumeFalse(Files.isReadable(file), "running as root");

    assertThatThrownBy(() -> Tokens.load("", file.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("auth.tokensFile " + file + ": permission denied");
  }

  @Test
  void aMalformedTokensFileNamesTheFileAndWhereOnOneLineWithoutTheTokens() throws Exception {
    Path yaml =
        Files.writeString(
            tmp.resolve("t.yaml"), "global: " + SECRET + "\nclusters:\n  shop: \"" + SECRET + "\n");
    Path json = Files.writeString(tmp.resolve("t.json"), "{\"global\": \"" + SECRET + "\"");

    for (Path file : List.of(yaml, json)) {
      assertThatThrownBy(() -> Tokens.load("", file.toString()))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("auth.tokensFile " + file + ": not valid YAML or JSON (line ")
          .hasMessageNotContaining(SECRET.substring(0, 8))
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void aTokenOfTheWrongShapeOrTooShortNamesFileAndKeyButNotTheToken() throws Exception {
    Path shortOne = Files.writeString(tmp.resolve("s.yaml"), "clusters:\n  shop: tiny-secret\n");
    Path number = Files.writeString(tmp.resolve("n.yaml"), "global: 12345678901234567890\n");
    Path list = Files.writeString(tmp.resolve("l.yaml"), "- " + SECRET + "\n");

    assertThatThrownBy(() -> Tokens.load("", shortOne.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "auth.tokensFile " + shortOne + ": clusters.shop is shorter than 16 characters");
    assertThatThrownBy(() -> Tokens.load("", number.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("auth.tokensFile " + number + ": global must be a string")
        .hasMessageNotContaining("1234567890");
    assertThatThrownBy(() -> Tokens.load("", list.toString()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("must hold a mapping")
        .hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> Tokens.load("tiny-secret", ""))
        .isInstanceOf(ConfigException.class)
        .hasMessage("auth.token is shorter than 16 characters");
  }

  @Test
  void aBadRangeInTheAddressAllowListIsAConfigErrorNamingSettingClusterAndRange() {
    assertThatThrownBy(() -> AddressAllowList.of(Map.of("shop", List.of("10.0.0.0/8", "10.0/33"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.allowedAddresses", "'shop'", "10.0/33");
  }

  @Test
  void nodeIdPatterns() {
    NodeIdPolicy policy = new NodeIdPolicy(List.of("envoy-1", "edge-*"));

    assertThat(policy.test("envoy-1")).isTrue();
    assertThat(policy.test("edge-eu-7")).isTrue();
    assertThat(policy.test("envoy-10")).isFalse();
    assertThat(policy.test("")).isFalse();
    assertThat(new NodeIdPolicy(List.of()).test("anyone")).isTrue();
    assertThat(AddressAllowList.of(Map.of()).allows("shop", "8.8.8.8")).isTrue();
  }
}
