package io.loadeds.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loadeds.snapshot.ResourceType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * What a subscription keeps of the names clients send. A thousand streams re-send the same names in
 * every ACK, each decoded into fresh strings; what the subscriptions keep is what the server holds
 * per stream for as long as it is open.
 */
class SubscriptionTest {
  // The source's own instances of the names it publishes.
  private final String a = new String("cluster-a");
  private final String b = new String("cluster-b");
  private final Map<String, String> published = Map.of(a, a, b, b);

  private Subscription subscription() {
    return new Subscription(ResourceType.ENDPOINT, 10, n -> published.getOrDefault(n, n));
  }

  @Test
  void keepsTheSourcesInstancesOfPublishedNames() {
    Subscription s = subscription();

    assertThat(s.replace(List.of(new String("cluster-a"), new String("unknown")))).isTrue();

    assertThat(s.names()).containsExactlyInAnyOrder("cluster-a", "unknown");
    assertThat(s.names().stream().filter(n -> n.equals("cluster-a")).findFirst().get()).isSameAs(a);
  }

  @Test
  void anAckWithTheSameNamesChangesNothingAndKeepsWhatIsHeld() {
    Subscription s = subscription();
    s.replace(List.of(new String("cluster-a"), new String("cluster-b")));
    Set<String> held = s.names();

    assertThat(s.replace(List.of(new String("cluster-b"), new String("cluster-a")))).isFalse();

    assertThat(s.names()).isSameAs(held);
  }

  @Test
  void aRequestThatRepeatsANameIsNotMistakenForTheSameSubscription() {
    Subscription s = subscription();
    s.replace(List.of("cluster-a", "cluster-b"));

    assertThat(s.replace(List.of("cluster-a", new String("cluster-a")))).isTrue();

    assertThat(s.names()).containsExactly("cluster-a");
  }

  @Test
  void aStarBesideTheSameNumberOfNamesTurnsTheWildcardOn() {
    Subscription s = subscription();
    s.replace(List.of("cluster-a", "cluster-b"));

    assertThat(s.replace(List.of("cluster-a", "*"))).isTrue();

    assertThat(s.wildcard()).isTrue();
    assertThat(s.names()).containsExactly("cluster-a");
  }

  @Test
  void sortedNamesFollowTheNamesInNameOrder() {
    Subscription s = subscription();
    s.replace(List.of("cluster-b", "unknown", "cluster-a"));
    assertThat(s.sortedNames()).containsExactly("cluster-a", "cluster-b", "unknown");

    Subscription delta = subscription();
    delta.update(List.of("cluster-b", "aaa", "unknown"), List.of("unknown"));
    assertThat(delta.sortedNames()).containsExactly("aaa", "cluster-b");
  }

  @Test
  void deltaUpdatesKeepTheSourcesInstancesToo() {
    Subscription s = subscription();

    assertThat(s.update(List.of(new String("cluster-b")), List.of())).isTrue();
    Set<String> held = s.names();
    assertThat(s.update(List.of(new String("cluster-b")), List.of("nothing"))).isFalse();

    assertThat(s.names()).isSameAs(held);
    assertThat(s.names().iterator().next()).isSameAs(b);
  }

  @Test
  void tooManyNamesLeavesTheSubscriptionAsItWas() {
    Subscription s = new Subscription(ResourceType.ENDPOINT, 1);
    s.replace(List.of("one"));

    assertThatThrownBy(() -> s.replace(List.of("one", "two")))
        .isInstanceOf(Subscription.TooManyNames.class)
        .hasMessageContaining("xds.maxNamesPerSubscription");
    assertThat(s.names()).containsExactly("one");
  }

  @Test
  void incrementalNamesAreBoundedInCharactersTooAndAnAckIsNotRefused() {
    Subscription s = new Subscription(ResourceType.ENDPOINT, 100, 8, UnaryOperator.identity());
    s.update(List.of("abc", "defgh"), List.of()); // 8 characters: at the limit

    assertThatThrownBy(() -> s.update(List.of("i"), List.of()))
        .isInstanceOf(Subscription.TooManyNames.class)
        .hasMessageContaining("9 characters")
        .hasMessageContaining("xds.maxMessageBytes");
    assertThat(s.names()).containsExactly("abc", "defgh");
    assertThat(s.update(List.of(), List.of())).isFalse(); // an ACK
    // Room made by an unsubscription can be used again.
    assertThat(s.update(List.of("xyz"), List.of("abc"))).isTrue();
    assertThat(s.names()).containsExactlyInAnyOrder("defgh", "xyz");
  }
}
