package io.loadeds.snapshot;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Records the change notices one watch receives. Thread-safe. */
final class RecordingWatch implements Consumer<Set<String>> {
  final List<Set<String>> calls = new CopyOnWriteArrayList<>();
  ResourceSource.Watch watch;

  static RecordingWatch open(ResourceSource source, ResourceType type) {
    RecordingWatch r = new RecordingWatch();
    r.watch = source.watch(type, r);
    return r;
  }

  RecordingWatch on(String... names) {
    watch.subscribe(Set.of(names), false);
    return this;
  }

  RecordingWatch wildcard() {
    watch.subscribe(Set.of(), true);
    return this;
  }

  @Override
  public void accept(Set<String> changed) {
    calls.add(Set.copyOf(changed));
  }

  int count() {
    return calls.size();
  }

  Set<String> allNames() {
    Set<String> all = new HashSet<>();
    calls.forEach(all::addAll);
    return all;
  }

  void awaitCalls(int n) {
    Await.until(n + " notices (got " + calls + ")", () -> calls.size() >= n);
  }
}
