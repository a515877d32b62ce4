package io.loadeds.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Durations as people write them in the config, and as {@code --help} prints them. */
class DurationsTest {
  @ParameterizedTest(name = "{0} = {1} ms, printed {2}")
  @CsvSource({
    "250ms, 250, 250ms",
    "15s, 15000, 15s",
    "2m, 120000, 2m",
    "1h, 3600000, 1h",
    "30, 30000, 30s",
    "' 15s ', 15000, 15s",
    "PT15S, 15000, 15s",
    "PT1.5S, 1500, 1500ms",
    "90s, 90000, 90s",
    "120s, 120000, 2m",
    "0s, 0, 0s",
  })
  void parsesAndPrintsTheShortForm(String text, long millis, String printed) {
    Duration d = Durations.parse(text);

    assertThat(d).isEqualTo(Duration.ofMillis(millis));
    assertThat(Durations.format(d)).isEqualTo(printed);
    assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
  }

  @ParameterizedTest
  @ValueSource(strings = {"fast", "", "15 s", "15S", "1d", "-5s", "1.5s", "9999999999999999h"})
  void refusesWhatIsNotADuration(String text) {
    assertThatThrownBy(() -> Durations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }
}
