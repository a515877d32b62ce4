package io.loadeds.registry;

/**
 * A change refused because it would pass a configured limit; nothing changed. The edge answers it
 * with 409 naming the limit.
 */
public final class LimitReachedException extends RuntimeException {
  private final String limit;
  private final int value;

  /**
   * @param limit the config key of the limit, e.g. {@code limits.maxClusters}
   * @param value its configured value
   */
  public LimitReachedException(String limit, int value, String detail) {
    super(detail + " (" + limit + " = " + value + ")", null, false, false);
    this.limit = limit;
    this.value = value;
  }

  public String limit() {
    return limit;
  }

  public int value() {
    return value;
  }
}
