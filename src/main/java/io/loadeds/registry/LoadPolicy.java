package io.loadeds.registry;

import io.loadeds.config.LoadSource;
import java.util.Objects;

/**
 * Decides admission from load (API.md §2). Pure and immutable.
 *
 * <p>An endpoint with a capacity is admitted while {@code active < capacity} and leaves at {@code
 * active >= capacity}. Once out, it comes back only when {@code active} falls below the re-admit
 * mark {@code max(1, capacity - hysteresis)}: with hysteresis 0 (the default) as soon as there is
 * room, with more it waits for more room, so a backend that oscillates around its capacity does not
 * make every proxy flap.
 *
 * <p>The load it compares with the capacity is one figure, chosen by {@link #load}: the backend's
 * own {@code active}, the in-progress requests the xDS clients report over LRS, or the larger of
 * the two. The rule is the same whichever figure it is.
 *
 * @param readmitHysteresis free slots beyond one that a full endpoint needs before it returns
 * @param source which figure is the load
 */
public record LoadPolicy(int readmitHysteresis, LoadSource source) {
  public LoadPolicy {
    if (readmitHysteresis < 0) {
      throw new IllegalArgumentException("readmitHysteresis must be >= 0");
    }
    Objects.requireNonNull(source, "source");
  }

  /** A policy on the backends' own reports. */
  public LoadPolicy(int readmitHysteresis) {
    this(readmitHysteresis, LoadSource.BACKEND);
  }

  /**
   * The load admission and weights use.
   *
   * @param active what the backend reports
   * @param observed what the xDS clients report over LRS (summed), {@code null} when none does
   */
  public int load(int active, Integer observed) {
    int seen = observed == null ? 0 : observed;
    return switch (source) {
      case BACKEND -> active;
      case LRS -> seen;
      case MAX -> Math.max(active, seen);
    };
  }

  /**
   * The state a live endpoint should be in.
   *
   * @param wasFull whether it is out for being full now (hysteresis applies only then)
   * @param capacity its capacity, {@code null} when not load-gated
   * @param active its current load
   */
  public EndpointState stateFor(boolean wasFull, Integer capacity, int active) {
    if (capacity == null) {
      return EndpointState.ADMITTED;
    }
    if (active >= capacity) {
      return EndpointState.FULL;
    }
    if (!wasFull) {
      return EndpointState.ADMITTED;
    }
    int mark = Math.max(1, capacity - readmitHysteresis);
    return active < mark ? EndpointState.ADMITTED : EndpointState.FULL;
  }
}
