package io.loadeds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The name set streams, watch index and debug page share: a set in name order, immutable. */
class SortedNamesTest {
  @Test
  void holdsEachNameOnceInNameOrder() {
    SortedNames names = SortedNames.copyOf(List.of("b", "a", "c", "a"));

    assertThat(names).containsExactly("a", "b", "c");
    assertThat(names.asList()).containsExactly("a", "b", "c");
    assertThat(names.contains("b")).isTrue();
    assertThat(names.contains("d")).isFalse();
    assertThat(names.contains(1)).isFalse();
  }

  @Test
  void equalsAnySetOfTheSameNames() {
    assertThat(SortedNames.copyOf(List.of("x", "y"))).isEqualTo(Set.of("y", "x"));
    assertThat(Set.of("y", "x")).isEqualTo(SortedNames.copyOf(List.of("x", "y")));
    assertThat(SortedNames.copyOf(List.of())).isEqualTo(SortedNames.of()).isEmpty();
  }

  @Test
  void aCopyOfSortedNamesIsTheSameInstanceSoSharersKeepOne() {
    SortedNames names = SortedNames.copyOf(List.of("a"));

    assertThat(SortedNames.copyOf(names)).isSameAs(names);
  }

  @Test
  void cannotBeChanged() {
    SortedNames names = SortedNames.copyOf(List.of("a"));

    assertThatThrownBy(() -> names.add("b")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> names.remove("a")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> names.asList().set(0, "b"))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
