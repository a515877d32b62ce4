package io.loadeds.extproc.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's "Writing a processor" example is {@link ApiKeyProcessor} as compiled and tested
 * here, word for word from its class declaration on.
 */
class ReadmeExampleTest {
  @Test
  void theReadmeShowsTheTestedExampleVerbatim() throws IOException {
    Path root = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
    String readme = Files.readString(root.resolve("README.md"));
    String source =
        Files.readString(
            root.resolve("src/test/java/io/loadeds/extproc/example/ApiKeyProcessor.java"));
    String body = source.substring(source.indexOf("public final class ApiKeyProcessor")).strip();

    int section = readme.indexOf("\n### Writing a processor\n");
    assertThat(section).as("README section 'Writing a processor'").isNotNegative();
    int start = readme.indexOf("```java\n", section) + "```java\n".length();
    String shown = readme.substring(start, readme.indexOf("```", start)).strip();

    assertThat(shown).isEqualTo(body);
    assertThat(shown.lines().count()).as("a processor in about 20 lines").isLessThanOrEqualTo(22);
  }
}
