package io.loadeds.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void aBurstOfOneSecondThenRetryAfterUntilRefilled() {
    RateLimiter limiter = new RateLimiter(2, now::get);

    assertThat(limiter.acquire("a")).isZero();
    assertThat(limiter.acquire("a")).isZero();
    assertThat(limiter.acquire("a")).isEqualTo(1);
    assertThat(limiter.acquire("b")).as("per client").isZero();
    now.addAndGet(500_000_000L);
    assertThat(limiter.acquire("a")).isZero();
  }

  @Test
  void zeroTurnsItOff() {
    RateLimiter limiter = new RateLimiter(0, now::get);
    for (int i = 0; i < 1000; i++) {
      assertThat(limiter.acquire("a")).isZero();
    }
  }

  @Test
  void theClientMapStaysBounded() {
    RateLimiter limiter = new RateLimiter(5, now::get, 100);
    for (int i = 0; i < 1000; i++) {
      limiter.acquire("10.0." + (i / 250) + "." + (i % 250));
    }
    assertThat(limiter.clients()).isLessThanOrEqualTo(100);
  }

  @Test
  void concurrentClientsNeverGetMoreThanTheBurst() throws Exception {
    RateLimiter limiter = new RateLimiter(50, now::get);
    AtomicLong allowed = new AtomicLong();
    Thread[] threads = new Thread[8];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 100; i++) {
                  if (limiter.acquire("same") == 0) {
                    allowed.incrementAndGet();
                  }
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(allowed.get()).isEqualTo(50);
  }
}
