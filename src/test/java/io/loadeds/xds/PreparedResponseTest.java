package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.loadeds.snapshot.ResourceSource;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.snapshot.VersionedResource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The answer to a subscription, which streams on one event loop reuse while the resources they name
 * are the same instances: it must never be reused across a change, a type or the held flag.
 */
class PreparedResponseTest {
  private static final ResourceType EDS = ResourceType.ENDPOINT;

  private final FakeResourceSource source = new FakeResourceSource();

  private static Subscription subscription(ResourceType type, String... names) {
    Subscription s = new Subscription(type, 100, UnaryOperator.identity());
    s.replace(List.of(names));
    return s;
  }

  @Test
  void streamsNamingTheSameResourcesShareOneAnswerUntilOneOfThemChanges() {
    source.cluster("a", 8080).cluster("b", 8081);
    PreparedResponse first = PreparedResponse.prepare(source, subscription(EDS, "a", "b"));
    PreparedResponse again = PreparedResponse.prepare(source, subscription(EDS, "b", "a"));
    assertThat(again).isSameAs(first);

    source.put(EDS, "b", FakeResourceSource.assignment("b", 9091));
    PreparedResponse changed = PreparedResponse.prepare(source, subscription(EDS, "a", "b"));

    assertThat(changed.version()).isNotEqualTo(first.version());
    assertThat(changed.resources()).extracting(r -> r.name()).containsExactly("a", "b");
    assertThat(changed.resources().get(1)).isSameAs(source.get(EDS, "b").orElseThrow());
  }

  @Test
  void theVersionIsTheSameWhetherTheAnswerWasReusedOrNot() {
    source.cluster("a", 8080).cluster("b", 8081);
    PreparedResponse ab = PreparedResponse.prepare(source, subscription(EDS, "a", "b"));
    PreparedResponse a = PreparedResponse.prepare(source, subscription(EDS, "a"));
    PreparedResponse abAgain = PreparedResponse.prepare(source, subscription(EDS, "a", "b"));

    assertThat(a.version()).isNotEqualTo(ab.version());
    assertThat(abAgain).isNotSameAs(ab); // the slot held "a" in between
    assertThat(abAgain.version()).isEqualTo(ab.version());
  }

  @Test
  void anotherTypeWithTheSameNamesGetsItsOwnAnswer() {
    source.cluster("a", 8080);
    PreparedResponse eds = PreparedResponse.prepare(source, subscription(EDS, "a"));
    PreparedResponse cds =
        PreparedResponse.prepare(source, subscription(ResourceType.CLUSTER, "a"));

    assertThat(cds.type()).isEqualTo(ResourceType.CLUSTER);
    assertThat(cds.version()).isNotEqualTo(eds.version());
    assertThat(cds.resources()).containsExactly(source.get(ResourceType.CLUSTER, "a").get());
  }

  @Test
  void anAnswerIsNotReusedOnceANameItCarriesNothingForIsHeldBack() {
    source.cluster("a", 8080);
    Holding warming = new Holding(source);
    PreparedResponse before = PreparedResponse.prepare(warming, subscription(EDS, "a", "new"));

    warming.holding = true; // as after a restart, while backends may still re-register
    PreparedResponse held = PreparedResponse.prepare(warming, subscription(EDS, "a", "new"));

    assertThat(before.held()).isFalse();
    assertThat(held.held()).isTrue();
    assertThat(held.resources()).isEqualTo(before.resources());
  }

  /** {@link FakeResourceSource}'s resources, with no placeholder and "new" held on demand. */
  private static final class Holding implements ResourceSource {
    private final FakeResourceSource inner;
    boolean holding;

    Holding(FakeResourceSource inner) {
      this.inner = inner;
    }

    @Override
    public Map<String, VersionedResource> all(ResourceType type) {
      return inner.all(type);
    }

    @Override
    public Optional<VersionedResource> get(ResourceType type, String name) {
      return inner.get(type, name);
    }

    @Override
    public Optional<VersionedResource> placeholder(ResourceType type, String name) {
      return Optional.empty();
    }

    @Override
    public boolean held(ResourceType type, String name) {
      return holding && name.equals("new");
    }

    @Override
    public Watch watch(ResourceType type, Consumer<Set<String>> onChange) {
      return inner.watch(type, onChange);
    }
  }
}
