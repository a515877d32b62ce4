package io.loadeds.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Envoy external processing ({@code envoy.service.ext_proc.v3.ExternalProcessor}) on the server's
 * port. Immutable.
 *
 * @param processors the processors Envoy's {@code ext_proc} filter runs, by name, in this order
 *     (default none: the service is not served and answers UNIMPLEMENTED). Built in: {@code
 *     load-shedding} and {@code request-id}; more come from the class path.
 * @param retryAfter the {@code Retry-After} that {@code load-shedding} answers with when a cluster
 *     has no admitted endpoint (default 5s; sent in whole seconds, at least 1): when capacity comes
 *     back is unknown, so it is a configured guess
 * @param clusterHeader the request header naming the LoadEDS cluster a request goes to, for {@code
 *     load-shedding} (default {@code x-loadeds-cluster}, in any case; without it, the same key in
 *     the stream's gRPC metadata, then the {@code xds.cluster_name} attribute Envoy sends when
 *     asked)
 */
public record ExtProcConfig(List<String> processors, Duration retryAfter, String clusterHeader) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final Pattern HEADER = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]{1,128}");

  public ExtProcConfig {
    processors = List.copyOf(processors);
  }

  public static ExtProcConfig defaults() {
    return new ExtProcConfig(List.of(), Duration.ofSeconds(5), "x-loadeds-cluster");
  }

  public ExtProcConfig validate() {
    for (String p : processors) {
      if (!NAME.matcher(p).matches()) {
        throw new IllegalArgumentException(
            "extProc.processors: '" + p + "' is not a processor name ([a-z0-9._-], at most 64)");
      }
    }
    if (processors.stream().distinct().count() != processors.size()) {
      throw new IllegalArgumentException("extProc.processors names a processor twice");
    }
    Checks.positive("extProc.retryAfter", retryAfter);
    if (retryAfter.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("extProc.retryAfter must be at most 1h");
    }
    Objects.requireNonNull(clusterHeader, "extProc.clusterHeader");
    if (!HEADER.matcher(clusterHeader).matches()) {
      throw new IllegalArgumentException(
          "extProc.clusterHeader must be an HTTP header name in lower case, not '"
              + clusterHeader
              + "'");
    }
    return this;
  }

  /**
   * {@link #retryAfter} as the value of a {@code Retry-After} header: whole seconds, at least 1.
   */
  public String retryAfterSeconds() {
    return Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000));
  }

  public ExtProcConfig withProcessors(List<String> v) {
    return new ExtProcConfig(v, retryAfter, clusterHeader);
  }

  public ExtProcConfig withRetryAfter(Duration v) {
    return new ExtProcConfig(processors, v, clusterHeader);
  }

  public ExtProcConfig withClusterHeader(String v) {
    return new ExtProcConfig(processors, retryAfter, v.trim().toLowerCase(Locale.ROOT));
  }
}
