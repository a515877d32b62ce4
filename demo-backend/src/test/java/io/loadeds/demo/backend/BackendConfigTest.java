package io.loadeds.demo.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackendConfigTest {

  private final BackendConfig base =
      BackendConfig.loopback(new EdsAddress("127.0.0.1", 18000, false));

  @Test
  void parsesTheBlogsHostPortAndFullUrls() {
    assertThat(EdsAddress.parse("eds:18000")).isEqualTo(new EdsAddress("eds", 18000, false));
    assertThat(EdsAddress.parse("eds")).isEqualTo(new EdsAddress("eds", 18000, false));
    assertThat(EdsAddress.parse("http://10.0.0.1:9000/"))
        .isEqualTo(new EdsAddress("10.0.0.1", 9000, false));
    assertThat(EdsAddress.parse("https://eds.example"))
        .isEqualTo(new EdsAddress("eds.example", 443, true));
    assertThat(EdsAddress.parse("[::1]:18000")).isEqualTo(new EdsAddress("::1", 18000, false));
    assertThatThrownBy(() -> EdsAddress.parse("ftp://eds:1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theRegisteredAddressMustBeAnIpLiteral() {
    assertThat(IpLiterals.isIpLiteral("10.1.2.3")).isTrue();
    assertThat(IpLiterals.isIpLiteral("::1")).isTrue();
    assertThat(IpLiterals.isIpLiteral("fe80::1%eth0")).isTrue();
    assertThat(IpLiterals.isIpLiteral("backend-1")).isFalse();
    assertThat(IpLiterals.isIpLiteral("300.1.1.1")).isFalse();
    assertThat(IpLiterals.isIpLiteral("be:ef:zz")).isFalse();
    assertThatThrownBy(
            () ->
                new BackendConfig(
                    base.edsServer(),
                    "localhost",
                    base.bindHost(),
                    0,
                    "demo",
                    3,
                    null,
                    base.ttl(),
                    base.grace(),
                    base.metadata()))
        .hasMessageContaining("MY_IP");
  }

  @Test
  void rejectsNamesTheEdsServerWouldRefuse() {
    assertThatThrownBy(() -> base.withId("a/b")).hasMessageContaining("id");
    assertThatThrownBy(() -> base.withCapacity(0)).hasMessageContaining("capacity");
    assertThatThrownBy(() -> base.withTtl(Duration.ZERO)).hasMessageContaining("ttl");
  }

  @Test
  void heartbeatsEveryThirdOfTheLeaseAndDerivesASafeDefaultId() {
    assertThat(base.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(BackendVerticle.defaultId("my host:1", 50051)).isEqualTo("my-host-1-50051");
    assertThat(BackendVerticle.defaultId("h".repeat(200), 50051)).hasSize(128).endsWith("-50051");
  }

  @Test
  void readsShortDurations() {
    assertThat(Durations.parse("10")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThatThrownBy(() -> Durations.parse("soon")).isInstanceOf(IllegalArgumentException.class);
  }
}
