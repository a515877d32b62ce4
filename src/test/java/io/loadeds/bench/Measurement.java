package io.loadeds.bench;

/**
 * What one scenario measured on one server. Latencies in milliseconds from sending the REST request
 * until the first / the last watching stream received an assignment reflecting it; null where a
 * figure does not apply to the scenario.
 *
 * @param responsesPerChange EDS responses per stream per change of a cluster it watches
 * @param responses EDS responses the streams received in the measured phase
 * @param missed changes some watching stream never saw (not even through a later state)
 * @param errors assignments in a state the cluster never had, or older than one already seen
 * @param stale streams whose final assignments differ from the registry's final state
 * @param requestsPerSecond REST requests answered 2xx per second (throughput scenarios)
 * @param requests REST requests answered 2xx in the measured phase (throughput scenarios)
 * @param cpuSeconds server CPU (user + system) during the measured phase
 * @param harnessCpuSeconds the harness's own CPU in that phase (it shares the machine's cores)
 * @param heapPerStreamKb growth of the heap after a full GC per stream attached
 * @param transportHeapPerStreamKb the same for {@code grpc.health.v1.Health/Watch} streams opened
 *     on as many connections on top of those, less what the health service itself keeps for them:
 *     the share of the gRPC transport (Vert.x / Netty HTTP/2 for ours), connections included
 * @param keptHeapPerStreamKb the part of {@code heapPerStreamKb} still there after every stream
 *     closed: objects made by class loading and the warm-up, and pools the server's transport grew
 *     while pushing to all of them at once (Netty's recycled write entries and buffers); instances
 *     of the server's xDS classes left over are not in it (they count as the server's own)
 * @param xdsClassesPerStreamBytes bytes per stream of the live instances of the server's xDS code
 *     (ours: {@code io.loadeds}; the stand-in's: java-control-plane's), arrays of them included, by
 *     class histograms before and after the streams: the part of the server's own state that can be
 *     told apart by class (the strings and primitive arrays it holds are not)
 * @param warmupSeconds unmeasured seconds of toggles at the scenario's rate before the measured
 *     phase, including those added while the server's JIT was still busy
 * @param jitShare the server's JIT compilers' CPU per second of the last warm-up slice (0.05: five
 *     percent of a core), the quiet the measured phase started from
 */
record Measurement(
    String scenario,
    String server,
    int streams,
    int changes,
    Double firstP50,
    Double firstP99,
    Double firstMax,
    Double lastP50,
    Double lastP99,
    Double lastMax,
    Double responsesPerChange,
    long responses,
    long missed,
    long errors,
    long stale,
    Double requestsPerSecond,
    long requests,
    long failedRequests,
    double cpuSeconds,
    double harnessCpuSeconds,
    double rssMb,
    Double heapPerStreamKb,
    Double transportHeapPerStreamKb,
    Double keptHeapPerStreamKb,
    Double xdsClassesPerStreamBytes,
    Double warmupSeconds,
    Double jitShare) {

  /**
   * The heap per stream that is the server's own state: what the streams held and let go of when
   * they closed, less the transport's share.
   */
  Double ownHeapPerStreamKb() {
    return heapPerStreamKb == null
            || transportHeapPerStreamKb == null
            || keptHeapPerStreamKb == null
        ? null
        : heapPerStreamKb - keptHeapPerStreamKb - transportHeapPerStreamKb;
  }

  /**
   * Server CPU per response received, in microseconds. Meaningful where the servers push as fast as
   * the shared cores allow (N = 1000): there latency is set by what a push costs server and harness
   * together, and this says what it costs the server.
   */
  Double serverMicrosPerResponse() {
    return responses == 0 ? null : cpuSeconds * 1e6 / responses;
  }

  /** The harness's own CPU per response received (decode, check, ACK), in microseconds. */
  Double harnessMicrosPerResponse() {
    return responses == 0 ? null : harnessCpuSeconds * 1e6 / responses;
  }

  /**
   * Server CPU per REST request answered, in microseconds (throughput scenarios): what one
   * registration costs the server, whatever the rate the shared cores allowed.
   */
  Double serverMicrosPerRequest() {
    return requests == 0 ? null : cpuSeconds * 1e6 / requests;
  }

  /** The harness's own CPU per REST request answered (its HTTP client), in microseconds. */
  Double harnessMicrosPerRequest() {
    return requests == 0 ? null : harnessCpuSeconds * 1e6 / requests;
  }

  boolean clean() {
    return missed == 0 && errors == 0 && stale == 0 && failedRequests == 0;
  }
}
