package io.loadeds.lrs;

import java.util.Map;
import java.util.TreeMap;

/**
 * What clients reported about one endpoint: requests in progress (a gauge: the latest value), and
 * requests issued, succeeded and errored and the named backend metrics (counts over the client's
 * last reporting interval, not running totals). Sums of several clients add up. Immutable.
 *
 * @param inProgress requests in progress now
 * @param issued requests issued in the last interval
 * @param succeeded requests that succeeded in the last interval
 * @param errored requests that failed in the last interval
 * @param metrics per named metric (ORCA {@code named_metrics} relayed by gRPC clients): the sum of
 *     the values and how many requests carried one, in the last interval
 */
public record EndpointFigures(
    long inProgress, long issued, long succeeded, long errored, Map<String, MetricSum> metrics) {

  /** One named metric's sum over an interval. */
  public record MetricSum(double total, long requests) {
    MetricSum plus(MetricSum o) {
      return new MetricSum(total + o.total, requests + o.requests);
    }
  }

  public static final EndpointFigures ZERO = new EndpointFigures(0, 0, 0, 0, Map.of());

  public EndpointFigures {
    metrics = Map.copyOf(metrics);
  }

  /** The sum of two clients' figures (or of two entries of one report for the same endpoint). */
  public EndpointFigures plus(EndpointFigures o) {
    Map<String, MetricSum> sum = new TreeMap<>(metrics);
    o.metrics.forEach((k, v) -> sum.merge(k, v, MetricSum::plus));
    return new EndpointFigures(
        saturated(inProgress, o.inProgress),
        saturated(issued, o.issued),
        saturated(succeeded, o.succeeded),
        saturated(errored, o.errored),
        sum);
  }

  /** Counts are uint64 on the wire: a client may send anything, and the sum must not wrap. */
  private static long saturated(long a, long b) {
    long s = a + b;
    return s < 0 ? Long.MAX_VALUE : s;
  }
}
