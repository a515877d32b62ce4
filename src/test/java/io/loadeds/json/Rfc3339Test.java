package io.loadeds.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The fast writer says exactly what {@link Instant#toString()} says, for any instant. */
class Rfc3339Test {

  @Property(tries = 2000)
  void writesWhatInstantToStringWrites(
      @ForAll @LongRange(min = -100_000_000_000L, max = 400_000_000_000L) long second,
      @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
      @ForAll @IntRange(min = 0, max = 3) int rounding) {
    // Rounded nanos too: a fraction of 3 or 6 digits (or none) is where writers differ.
    int n =
        rounding == 0
            ? nanos
            : rounding == 1 ? nanos / 1_000 * 1_000 : nanos / 1_000_000 * 1_000_000;
    Instant t = Instant.ofEpochSecond(second, rounding == 3 ? 0 : n);
    assertThat(Rfc3339.format(t)).isEqualTo(t.toString());
  }

  @Property(tries = 500)
  void aSecondWrittenBeforeIsWrittenTheSameWithAnotherFraction(
      @ForAll @IntRange(min = 0, max = 999_999_999) int first,
      @ForAll @IntRange(min = 0, max = 999_999_999) int second) {
    Instant a = Instant.parse("2026-12-04T07:59:30Z").plusNanos(first);
    Instant b = Instant.parse("2026-12-04T07:59:30Z").plusNanos(second);
    assertThat(Rfc3339.format(a)).isEqualTo(a.toString());
    assertThat(Rfc3339.format(b)).isEqualTo(b.toString());
    // Another second in the same slot of the table (64 seconds later) replaces it correctly.
    Instant c = b.plusSeconds(64);
    assertThat(Rfc3339.format(c)).isEqualTo(c.toString());
  }

  @Example
  void nullIsNull() {
    assertThat(Rfc3339.format(null)).isNull();
  }
}
