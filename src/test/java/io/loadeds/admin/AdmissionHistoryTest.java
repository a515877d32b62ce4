package io.loadeds.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The dashboard's admission-change chart: per-minute counts that age out after the window. */
class AdmissionHistoryTest {
  private static final long MINUTE = 60_000L;
  private static final long T0 = 1_700_000_000_000L / MINUTE * MINUTE; // on a minute boundary

  @Test
  void countsEventsInTheMinuteTheyHappened() {
    AdmissionHistory h = new AdmissionHistory(3);
    h.record(T0 + 1_000);
    h.record(T0 + 59_999);
    h.record(T0 + MINUTE);

    assertThat(h.perMinute(T0 + MINUTE + 5_000)).containsExactly(0, 2, 1);
  }

  @Test
  void oldMinutesFallOutOfTheWindowAndTheirSlotsAreReused() {
    AdmissionHistory h = new AdmissionHistory(3);
    h.record(T0);
    h.record(T0);

    assertThat(h.perMinute(T0 + 2 * MINUTE)).containsExactly(2, 0, 0);
    assertThat(h.perMinute(T0 + 3 * MINUTE)).containsExactly(0, 0, 0);

    h.record(T0 + 3 * MINUTE); // same slot as T0's minute
    assertThat(h.perMinute(T0 + 3 * MINUTE)).containsExactly(0, 0, 1);
  }

  @Test
  void memoryDoesNotGrowWithTheNumberOfEvents() {
    AdmissionHistory h = new AdmissionHistory(15);
    for (int i = 0; i < 1_000_000; i++) {
      h.record(T0 + i % MINUTE);
    }
    long[] perMinute = h.perMinute(T0);
    assertThat(perMinute[14]).isEqualTo(1_000_000);
    assertThat(perMinute).hasSize(15);
  }
}
