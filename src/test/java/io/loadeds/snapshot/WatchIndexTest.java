package io.loadeds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which watches one cache flush wakes, and with which names: every watch hears of exactly the
 * changed names it subscribes to, however many changed together.
 */
class WatchIndexTest {
  private final WatchIndex index = new WatchIndex();

  private WatchIndex.IndexedWatch watch(Set<String> names, boolean wildcard) {
    WatchIndex.IndexedWatch w = (WatchIndex.IndexedWatch) index.open(changed -> {});
    w.subscribe(names, wildcard);
    return w;
  }

  @Test
  void eachWatchHearsOfTheChangedNamesItSubscribesToAndNoOthers() {
    WatchIndex.IndexedWatch onA = watch(Set.of("A"), false);
    WatchIndex.IndexedWatch onB = watch(Set.of("B"), false);
    WatchIndex.IndexedWatch onAB = watch(Set.of("A", "B"), false);
    WatchIndex.IndexedWatch onC = watch(Set.of("C"), false);
    WatchIndex.IndexedWatch all = watch(Set.of(), true);
    Map<WatchIndex.IndexedWatch, Set<String>> wake = new HashMap<>();

    index.collect("A", wake);
    index.collect("B", wake);
    index.collect("D", wake);

    assertThat(wake.get(onA)).containsExactly("A");
    assertThat(wake.get(onB)).containsExactly("B");
    assertThat(wake.get(onAB)).containsExactlyInAnyOrder("A", "B");
    assertThat(wake.get(all)).containsExactlyInAnyOrder("A", "B", "D");
    assertThat(wake).doesNotContainKey(onC);
  }

  @Test
  void namesCollectedByPredicateReachEveryWatchThatNamesThem() {
    WatchIndex.IndexedWatch onAB = watch(Set.of("A", "B"), false);
    WatchIndex.IndexedWatch onBC = watch(Set.of("B", "C"), false);
    Map<WatchIndex.IndexedWatch, Set<String>> wake = new HashMap<>();

    index.collectNamed(n -> !n.equals("C"), wake);

    assertThat(wake.get(onAB)).containsExactlyInAnyOrder("A", "B");
    assertThat(wake.get(onBC)).containsExactly("B");
  }

  @Test
  void aClosedOrNarrowedWatchIsNoLongerWokenForWhatItDropped() {
    WatchIndex.IndexedWatch narrowed = watch(Set.of("A", "B"), false);
    WatchIndex.IndexedWatch closed = watch(Set.of("A"), true);
    narrowed.subscribe(Set.of("B"), false);
    closed.close();
    Map<WatchIndex.IndexedWatch, Set<String>> wake = new HashMap<>();

    index.collect("A", wake);

    assertThat(wake).isEmpty();
    assertThat(index.size()).isEqualTo(1);
  }
}
