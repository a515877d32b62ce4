package io.loadeds.registry;

/**
 * Decides admission from load (API.md §2). Pure and immutable.
 *
 * <p>An endpoint with a capacity is admitted while {@code active < capacity} and leaves at {@code
 * active >= capacity}. Once out, it comes back only when {@code active} falls below the re-admit
 * mark {@code max(1, capacity - hysteresis)}: with hysteresis 0 (the default) as soon as there is
 * room, with more it waits for more room, so a backend that oscillates around its capacity does not
 * make every proxy flap.
 *
 * @param readmitHysteresis free slots beyond one that a full endpoint needs before it returns
 */
public record LoadPolicy(int readmitHysteresis) {
  public LoadPolicy {
    if (readmitHysteresis < 0) {
      throw new IllegalArgumentException("readmitHysteresis must be >= 0");
    }
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
