package io.loadeds;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.config.ConfigKey;
import io.loadeds.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README true: its configuration table is {@link ConfigKey#ALL} (file key, flag,
 * environment variable and default of every setting, and nothing else), and its two set-up commands
 * are the ones the issue promises, the second being what CI runs.
 */
class ReadmeTest {
  private static final String BUILD_AND_RUN =
      "mvn -q -DskipTests package && java -jar target/loadeds-server.jar";
  private static final String TEST_ALL = "mvn verify";

  /**
   * {@code http.eventLoops} defaults to half the cores, which the README cannot print as a number.
   */
  private static final Map<String, String> MACHINE_DEPENDENT =
      Map.of("http.eventLoops", "half the cores, at least 1");

  private static final Pattern FENCED_SH = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);

  private static Path root;
  private static String readme;

  @BeforeAll
  static void read() throws IOException {
    root = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
    readme = Files.readString(root.resolve("README.md"));
  }

  /** The text of the section under {@code ## title}, up to the next {@code ## } heading. */
  private static String section(String title) {
    int start = readme.indexOf("\n## " + title + "\n");
    assertThat(start).as("README section '## %s'", title).isNotNegative();
    int end = readme.indexOf("\n## ", start + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  /** The configuration table's rows, by file key, as cells without their backquotes. */
  private static Map<String, List<String>> configRows() {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    for (String line : section("Configuration").split("\n")) {
      if (line.startsWith("| `")) {
        List<String> cells =
            Arrays.stream(line.substring(1, line.length() - 1).split("\\|"))
                .map(c -> c.strip().replace("`", ""))
                .toList();
        rows.put(cells.get(0), cells);
      }
    }
    return rows;
  }

  @Test
  void theConfigurationTableListsEverySettingAsTheServerReadsIt() {
    Map<String, List<String>> rows = configRows();
    ServerConfig defaults = ServerConfig.defaults();

    for (ConfigKey key : ConfigKey.ALL) {
      List<String> row = rows.get(key.path());
      assertThat(row).as("README row for %s", key.path()).isNotNull();
      String dflt = MACHINE_DEPENDENT.getOrDefault(key.path(), key.get().apply(defaults));
      assertThat(row.subList(0, 4))
          .as("file key, flag, environment, default of %s", key.path())
          .containsExactly(key.path(), key.flag(), key.env(), dflt);
    }
    assertThat(rows.keySet())
        .as("README rows without a setting behind them")
        .containsExactlyElementsOf(ConfigKey.ALL.stream().map(ConfigKey::path).toList());
  }

  @Test
  void everyDocumentedFlagIsInTheHelp() {
    String usage = Main.usage();

    for (List<String> row : configRows().values()) {
      assertThat(usage).as("--help").contains(row.get(1) + "=");
    }
  }

  @Test
  void theSetUpSectionHasExactlyTheTwoPromisedCommands() {
    List<String> blocks = new ArrayList<>();
    Matcher m = FENCED_SH.matcher(section("Set up"));
    while (m.find()) {
      blocks.add(m.group(1).strip());
    }

    assertThat(blocks).containsExactly(BUILD_AND_RUN, TEST_ALL);
  }

  @Test
  void ciRunsTheReadmesTestCommandAndNothingElse() throws IOException {
    Path ci = root.resolve(".ci/run");
    // Besides installing the browser the dashboard test drives, CI only builds and tests with
    // Maven, and then exactly as the README says.
    List<String> builds =
        Files.readAllLines(ci).stream()
            .map(String::strip)
            .filter(l -> !l.startsWith("#"))
            .filter(l -> l.matches(".*\\b(mvn|mvnw|gradle|java)\\b.*"))
            .toList();

    assertThat(builds).containsExactly(TEST_ALL);
    assertThat(Files.isExecutable(ci)).as(".ci/run is executable").isTrue();
  }
}
