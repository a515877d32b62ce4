package io.loadeds.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The configuration as {@code Main} loads it: documented defaults, then a YAML or JSON file, then
 * {@code LOADEDS_*} environment variables, then flags; every bad value fails naming its key.
 */
class ConfigLoaderTest {
  @TempDir Path dir;

  private static ServerConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
    return ConfigLoader.load(file, env, flags);
  }

  private Path file(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void theDefaultEventLoopsAreHalfTheCoresAndAtLeastOne() {
    assertThat(HttpConfig.defaultEventLoops(1)).isEqualTo(1);
    assertThat(HttpConfig.defaultEventLoops(2)).isEqualTo(1);
    assertThat(HttpConfig.defaultEventLoops(3)).isEqualTo(1);
    assertThat(HttpConfig.defaultEventLoops(16)).isEqualTo(8);
  }

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    ServerConfig c = load(null, Map.of(), Map.of());

    assertThat(c.http().host()).isEqualTo("0.0.0.0");
    assertThat(c.http().port()).isEqualTo(18000);
    assertThat(c.http().bodyLimitBytes()).isEqualTo(65536);
    assertThat(c.http().eventLoops())
        .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    assertThat(c.registry().defaultTtl()).isEqualTo(Duration.ofSeconds(15));
    assertThat(c.registry().maxTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(c.registry().reaperInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.registry().expiredRetention()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.registry().readmitHysteresis()).isZero();
    assertThat(c.xds().weightCoalesceWindow()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.xds().maxMessageBytes()).isEqualTo(4 * 1024 * 1024);
    assertThat(c).isEqualTo(ServerConfig.defaults());
  }

  @Test
  void aYamlFileSetsNestedKeys() throws IOException {
    Path yaml =
        file(
            "loadeds.yaml",
            """
            http: {port: 18080, host: 127.0.0.1}
            registry:
              defaultTtl: 10s
              readmitHysteresis: 2
            xds: {weightCoalesceWindow: 50ms}
            """);

    ServerConfig c = load(yaml, Map.of(), Map.of());

    assertThat(c.http().port()).isEqualTo(18080);
    assertThat(c.http().host()).isEqualTo("127.0.0.1");
    assertThat(c.registry().defaultTtl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.registry().readmitHysteresis()).isEqualTo(2);
    assertThat(c.xds().weightCoalesceWindow()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.http().bodyLimitBytes()).as("untouched keys keep the default").isEqualTo(65536);
  }

  @Test
  void aJsonFileSetsNestedKeys() throws IOException {
    Path json =
        file(
            "loadeds.json",
            """
            {"http": {"port": 19000, "bodyLimitBytes": 1024},
             "registry": {"reaperInterval": "250ms", "maxTtl": "2m"}}
            """);

    ServerConfig c = load(json, Map.of(), Map.of());

    assertThat(c.http().port()).isEqualTo(19000);
    assertThat(c.http().bodyLimitBytes()).isEqualTo(1024);
    assertThat(c.registry().reaperInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.registry().maxTtl()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void anEmptyFileMeansTheDefaults() throws IOException {
    assertThat(load(file("empty.yaml", ""), Map.of(), Map.of())).isEqualTo(ServerConfig.defaults());
  }

  @Test
  void theEnvironmentOverridesTheFileAndFlagsOverrideTheEnvironment() throws IOException {
    Path yaml =
        file("loadeds.yaml", "http: {port: 1000, host: 127.0.0.1}\nregistry: {defaultTtl: 5s}");
    Map<String, String> env =
        Map.of(
            "LOADEDS_HTTP_PORT", "2000",
            "LOADEDS_REGISTRY_DEFAULT_TTL", "7s",
            "LOADEDS_HTTP_BODY_LIMIT_BYTES", " ", // blank: not set
            "UNRELATED_HTTP_PORT", "9");

    ServerConfig fromEnv = load(yaml, env, Map.of());
    ServerConfig fromFlags = load(yaml, env, Map.of("http.port", "3000"));

    assertThat(fromEnv.http().port()).isEqualTo(2000);
    assertThat(fromEnv.registry().defaultTtl()).isEqualTo(Duration.ofSeconds(7));
    assertThat(fromEnv.http().host()).as("file value not overridden").isEqualTo("127.0.0.1");
    assertThat(fromEnv.http().bodyLimitBytes()).isEqualTo(65536);
    assertThat(fromFlags.http().port()).isEqualTo(3000);
    assertThat(fromFlags.registry().defaultTtl()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void anUnknownFileKeyIsRefusedByName() throws IOException {
    Path yaml = file("typo.yaml", "http: {prot: 18000}");

    assertThatThrownBy(() -> load(yaml, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.prot");
  }

  @Test
  void aFileThatIsNotAMappingIsRefused() throws IOException {
    Path yaml = file("list.yaml", "- http\n- port\n");

    assertThatThrownBy(() -> load(yaml, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("mapping");
  }

  @Test
  void aMissingFileIsRefusedByName() {
    Path missing = dir.resolve("missing.yaml");

    assertThatThrownBy(() -> load(missing, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config file " + missing + ": no such file");
  }

  @Test
  void aMalformedFileIsRefusedOnOneLineNamingTheFileAndWhereWithoutQuotingIt() throws IOException {
    Path yaml =
        file("broken.yaml", "http:\n  port: 18000\nauth:\n  token: \"s3cret-0123456789abcdef\n");

    assertThatThrownBy(() -> load(yaml, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(yaml.toString())
        .hasMessageContaining("not valid YAML or JSON (line")
        .hasMessageNotContaining("s3cret")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aFileThatIsADirectoryOrNotUtf8IsRefusedSayingSo() throws IOException {
    Path latin1 = Files.write(dir.resolve("latin1.yaml"), new byte[] {'a', ':', ' ', (byte) 0xe9});

    assertThatThrownBy(() -> load(dir, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(dir + ": a directory");
    assertThatThrownBy(() -> load(latin1, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(latin1 + ": not UTF-8 text");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "registry.defaultTtl, fast",
    "registry.defaultTtl, 9999999999999999h",
    "registry.reaperInterval, -5s",
    "xds.weightCoalesceWindow, 1 s",
    "http.port, abc",
    "http.port, 99999999999",
    "http.bodyLimitBytes, 64k",
    "registry.readmitHysteresis, 1.5",
    "http.port, 70000",
    "http.port, -1",
    "registry.readmitHysteresis, -1",
    "registry.reaperInterval, 0s",
    "registry.maxTtl, PT-5S",
    "http.eventLoops, 0",
    "http.bodyLimitBytes, 10",
    "xds.weightCoalesceWindow, 11s",
    "xds.maxMessageBytes, 1",
  })
  void aBadValueIsRefusedNamingItsKey(String key, String value) {
    assertThatThrownBy(() -> load(null, Map.of(), Map.of(key, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key);
  }

  @Test
  void aBadValueFromTheEnvironmentIsRefusedNamingItsKey() {
    assertThatThrownBy(() -> load(null, Map.of("LOADEDS_HTTP_PORT", "70000"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.port");
  }

  @Test
  void aDefaultTtlLongerThanTheMaxTtlIsRefusedNamingBoth() {
    assertThatThrownBy(
            () ->
                load(null, Map.of(), Map.of("registry.defaultTtl", "2h", "registry.maxTtl", "1h")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("registry.defaultTtl")
        .hasMessageContaining("registry.maxTtl");
  }

  @Test
  void everyKeyReadsBackWhatItSets() {
    ServerConfig defaults = ServerConfig.defaults();
    for (ConfigKey key : ConfigKey.ALL) {
      String text = key.get().apply(defaults);

      assertThat(key.set().apply(defaults, text)).as(key.path() + "=" + text).isEqualTo(defaults);
    }
  }

  @Test
  void everyKeyIsLoadedFromFileEnvironmentAndFlagAlike() throws IOException {
    ServerConfig defaults = ServerConfig.defaults();
    for (ConfigKey key : ConfigKey.ALL) {
      String text = key.get().apply(defaults);
      // {"http": {"port": "18000"}}, nested as deep as the path goes
      String json = "\"" + text + "\"";
      String[] parts = key.path().split("\\.");
      for (int i = parts.length - 1; i >= 0; i--) {
        json = "{\"" + parts[i] + "\": " + json + "}";
      }
      Path yaml = file("one.json", json);

      assertThat(load(yaml, Map.of(), Map.of())).as("file " + key.path()).isEqualTo(defaults);
      assertThat(load(null, Map.of(key.env(), text), Map.of()))
          .as("env " + key.env())
          .isEqualTo(defaults);
      assertThat(load(null, Map.of(), Map.of(key.path(), text)))
          .as("flag " + key.flag())
          .isEqualTo(defaults);
    }
  }

  @Test
  void namesFollowThePath() {
    ConfigKey bodyLimit =
        ConfigKey.ALL.stream()
            .filter(k -> k.path().equals("http.bodyLimitBytes"))
            .findFirst()
            .orElseThrow();

    assertThat(bodyLimit.env()).isEqualTo("LOADEDS_HTTP_BODY_LIMIT_BYTES");
    assertThat(bodyLimit.flag()).isEqualTo("--body-limit-bytes");
    assertThat(ConfigKey.ALL.stream().map(ConfigKey::flag).distinct()).hasSameSizeAs(ConfigKey.ALL);
    assertThat(ConfigKey.ALL.stream().map(ConfigKey::env).distinct()).hasSameSizeAs(ConfigKey.ALL);
  }
}
