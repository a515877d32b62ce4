package io.loadeds.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code extProc.*} settings as {@code Main} loads them from each source. */
class ExtProcConfigTest {
  @TempDir Path dir;

  @Test
  void byDefaultNoProcessorRuns() {
    ExtProcConfig c = ConfigLoader.load(null, Map.of(), Map.of()).extProc();

    assertThat(c.processors()).isEmpty();
    assertThat(c.retryAfter()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.clusterHeader()).isEqualTo("x-loadeds-cluster");
  }

  @Test
  void aFileListsProcessorsInOrderAndTheEnvironmentAndFlagsOverrideIt() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("c.yaml"),
            "extProc:\n  processors: [request-id, load-shedding]\n  retryAfter: 30s\n");

    ExtProcConfig fromFile = ConfigLoader.load(file, Map.of(), Map.of()).extProc();
    ExtProcConfig fromEnv =
        ConfigLoader.load(
                file,
                Map.of("LOADEDS_EXT_PROC_PROCESSORS", "load-shedding"),
                Map.of("extProc.clusterHeader", "X-Backend"))
            .extProc();

    assertThat(fromFile.processors()).containsExactly("request-id", "load-shedding");
    assertThat(fromFile.retryAfterSeconds()).isEqualTo("30");
    assertThat(fromEnv.processors()).containsExactly("load-shedding");
    assertThat(fromEnv.clusterHeader()).isEqualTo("x-backend");
  }

  @Test
  void retryAfterIsWholeSecondsRoundedUpAndAtLeastOne() {
    assertThat(ExtProcConfig.defaults().withRetryAfter(Duration.ofMillis(200)).retryAfterSeconds())
        .isEqualTo("1");
    assertThat(ExtProcConfig.defaults().withRetryAfter(Duration.ofMillis(1500)).retryAfterSeconds())
        .isEqualTo("2");
  }

  @Test
  void badValuesFailNamingTheKey() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("extProc.processors", "a,a")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("extProc.processors");
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("extProc.processors", "Bad Name")))
        .hasMessageContaining("extProc.processors");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("extProc.retryAfter", "0s")))
        .hasMessageContaining("extProc.retryAfter");
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of(), Map.of("extProc.clusterHeader", "a b")))
        .hasMessageContaining("extProc.clusterHeader");
    assertThat(ExtProcConfig.defaults().withProcessors(List.of("x")).validate().processors())
        .containsExactly("x");
  }
}
