package io.loadeds.registry;

import static io.loadeds.registry.Fixtures.key;
import static io.loadeds.registry.Fixtures.loaded;
import static io.loadeds.registry.Fixtures.withAddress;
import static io.loadeds.registry.Fixtures.withLocality;
import static io.loadeds.registry.Fixtures.withMetadata;
import static io.loadeds.registry.Fixtures.withPort;
import static io.loadeds.registry.Fixtures.withWeight;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loadeds.registry.Fixtures.Harness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every refusal names the JSON field at fault, and a refused call changes nothing and emits no
 * event (API.md §1: "A rejected request changes nothing").
 */
class RegistryValidationTest {
  private static final Registration GOOD = loaded("10.0.0.1", 4, 0);
  private static final String LONG_NAME = "x".repeat(129);

  final Harness h = new Harness();

  static Stream<Arguments> invalidRegistrations() {
    return Stream.of(
        Arguments.of("DNS name", withAddress(GOOD, "backend.local"), "address"),
        Arguments.of("single-label name", withAddress(GOOD, "localhost"), "address"),
        Arguments.of("octet out of range", withAddress(GOOD, "1.2.3.256"), "address"),
        Arguments.of("leading zero", withAddress(GOOD, "01.2.3.4"), "address"),
        Arguments.of("address with port", withAddress(GOOD, "1.2.3.4:80"), "address"),
        Arguments.of("bracketed IPv6", withAddress(GOOD, "[::1]"), "address"),
        Arguments.of("bad IPv6", withAddress(GOOD, "2001:db8::7::1"), "address"),
        Arguments.of("empty address", withAddress(GOOD, ""), "address"),
        Arguments.of("missing address", withAddress(GOOD, null), "address"),
        Arguments.of("port 0", withPort(GOOD, 0), "port"),
        Arguments.of("port 65536", withPort(GOOD, 65536), "port"),
        Arguments.of("capacity 0", GOOD.withLoad(0, 0), "capacity"),
        Arguments.of("capacity -1", GOOD.withLoad(-1, 0), "capacity"),
        Arguments.of("active -1", GOOD.withLoad(4, -1), "active"),
        Arguments.of("weight 0", withWeight(GOOD, 0), "weight"),
        Arguments.of("ttl 0", GOOD.withTtl(Duration.ZERO), "ttlSeconds"),
        Arguments.of("ttl below 1s", GOOD.withTtl(Duration.ofMillis(500)), "ttlSeconds"),
        Arguments.of("ttl above max", GOOD.withTtl(Duration.ofSeconds(3601)), "ttlSeconds"),
        Arguments.of(
            "region with space",
            withLocality(GOOD, new Locality("eu west", "", "")),
            "locality.region"),
        Arguments.of(
            "zone with slash", withLocality(GOOD, new Locality("eu", "a/b", "")), "locality.zone"),
        Arguments.of(
            "sub-zone with space",
            withLocality(GOOD, new Locality("eu", "eu-1a", "rack 7")),
            "locality.subZone"),
        Arguments.of("empty metadata key", withMetadata(GOOD, Map.of("", "v")), "metadata"),
        Arguments.of(
            "long metadata value", withMetadata(GOOD, Map.of("k", "v".repeat(257))), "metadata.k"));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("invalidRegistrations")
  void aNewRegistrationIsRefusedNamingTheFieldAndNothingIsCreated(
      String why, Registration r, String field) {
    assertRefused(() -> h.registry.register(key("a"), r), field);

    assertThat(h.registry.clusters()).isEmpty();
    assertThat(h.drain()).isEmpty();
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("invalidRegistrations")
  void aReplacementIsRefusedNamingTheFieldAndTheRecordIsUnchanged(
      String why, Registration r, String field) {
    Endpoint before = h.put("a", GOOD);
    h.drain();
    h.advance(Duration.ofSeconds(5));

    assertRefused(() -> h.registry.register(key("a"), r), field);

    assertThat(h.get("a")).isEqualTo(before); // not even the lease was renewed
    assertThat(h.drain()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"bad name", "", "a/b", "caf\u00e9"})
  void badClusterAndIdNamesAreRefused(String name) {
    assertRefused(() -> h.registry.register(new EndpointKey(name, "a"), GOOD), "cluster");
    assertRefused(() -> h.registry.register(new EndpointKey("svc", name), GOOD), "id");
    assertRefused(
        () -> h.registry.report(new EndpointKey(name, "a"), LoadReport.HEARTBEAT), "cluster");
    assertRefused(() -> h.registry.deregister(new EndpointKey("svc", name)), "id");
    assertThat(h.registry.clusters()).isEmpty();
  }

  @Test
  void aNullMetadataValueIsRefusedByName() {
    java.util.Map<String, String> labels = new java.util.HashMap<>();
    labels.put("version", null);
    assertRefused(
        () ->
            new Registration(
                "10.0.0.1", 80, 4, 0, null, null, io.loadeds.registry.Locality.NONE, labels),
        "metadata");
  }

  @Test
  void namesAreLimitedTo128Characters() {
    assertRefused(() -> h.registry.register(new EndpointKey(LONG_NAME, "a"), GOOD), "cluster");
    assertRefused(() -> h.registry.register(new EndpointKey("svc", LONG_NAME), GOOD), "id");

    String max = LONG_NAME.substring(1);
    assertThat(h.registry.register(new EndpointKey(max, "A-z_0.9"), GOOD).created()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"::1", "2001:db8::7", "10.0.0.7", "0.0.0.0", "255.255.255.255"})
  void ipLiteralsAreAccepted(String address) {
    assertThat(h.put("a", withAddress(GOOD, address)).address()).isEqualTo(address);
  }

  @Test
  void boundaryValuesAreAccepted() {
    h.put("a", withPort(GOOD, 1).withTtl(Duration.ofSeconds(1)));
    h.put("b", withPort(GOOD, 65535).withTtl(Duration.ofHours(1)));
    h.put("c", withWeight(GOOD.withLoad(1, 0), 1));

    assertThat(h.registry.cluster("svc").orElseThrow().endpoints()).hasSize(3);
  }

  static Stream<Arguments> invalidReports() {
    Update<Integer> none = Update.absent();
    Update<Map<String, String>> noMeta = Update.absent();
    return Stream.of(
        Arguments.of(LoadReport.active(-1), "active"),
        Arguments.of(new LoadReport(Update.of(null), none, none, noMeta), "active"),
        Arguments.of(new LoadReport(none, Update.of(0), none, noMeta), "capacity"),
        Arguments.of(new LoadReport(none, none, Update.of(0), noMeta), "weight"),
        Arguments.of(new LoadReport(Update.of(2), none, Update.of(-3), noMeta), "weight"),
        Arguments.of(new LoadReport(none, none, none, Update.of(Map.of("", "v"))), "metadata"));
  }

  @ParameterizedTest
  @MethodSource("invalidReports")
  void anInvalidReportIsRefusedAndChangesNothing(LoadReport report, String field) {
    Endpoint before = h.put("a", GOOD);
    h.drain();
    h.advance(Duration.ofSeconds(5));

    assertRefused(() -> h.registry.report(key("a"), report), field);

    assertThat(h.get("a")).isEqualTo(before);
    assertThat(h.drain()).isEmpty();
  }

  @Test
  void aRefusedReplaceSourceLeavesOtherSourcesAndTheClusterAlone() {
    h.put("api-1", GOOD);
    h.drain();

    assertRefused(
        () -> h.registry.replaceSource("bad cluster", "edsservice", Map.of("h1", GOOD)), "cluster");
    assertRefused(
        () -> h.registry.replaceSource("svc", "edsservice", Map.of("h1", withPort(GOOD, 0))),
        "port");

    assertThat(h.registry.clusters())
        .singleElement()
        .satisfies(
            c -> assertThat(c.endpoints()).extracting(Endpoint::id).isEqualTo(List.of("api-1")));
    assertThat(h.drain()).isEmpty();
  }

  private static void assertRefused(Runnable call, String field) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            InvalidFieldException.class,
            e -> {
              assertThat(e.field()).isEqualTo(field);
              assertThat(e.getMessage()).startsWith(field + ":");
            });
  }
}
