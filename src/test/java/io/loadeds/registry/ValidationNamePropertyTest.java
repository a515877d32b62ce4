package io.loadeds.registry;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The regex-free name check accepts exactly what {@link Validation#NAME} matches. */
class ValidationNamePropertyTest {

  @Property(tries = 3000)
  void agreesWithThePattern(@ForAll("names") String value) {
    assertThat(Validation.isName(value)).isEqualTo(Validation.NAME.matcher(value).matches());
  }

  @Provide
  Arbitrary<String> names() {
    // Mostly allowed characters, with some that are not (space, slash, unicode, controls), and
    // lengths around the 128 limit.
    Arbitrary<Character> allowed =
        Arbitraries.of("abcxyzABCXYZ0189._-".chars().mapToObj(c -> (char) c).toList());
    Arbitrary<Character> other = Arbitraries.chars().with(' ', '/', '\u00e9', '\u0000', ':', '~');
    Arbitrary<Character> any =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(20, allowed), net.jqwik.api.Tuple.of(1, other));
    return any.list()
        .ofMinSize(0)
        .ofMaxSize(140)
        .map(
            cs -> {
              StringBuilder b = new StringBuilder();
              cs.forEach(b::append);
              return b.toString();
            });
  }

  @Example
  void nullIsNoName() {
    assertThat(Validation.isName(null)).isFalse();
  }
}
