package io.loadeds.demo.client;

import java.util.Map;

/**
 * The outcome of a load run, as printed in the table and written by {@code --json}. Field names are
 * the JSON names; maps are sorted by key.
 *
 * @param target the gRPC target ({@code host:port} or {@code xds:///cluster})
 * @param mode {@code direct} or {@code xds}
 * @param streams the concurrency asked for ({@code --streams})
 * @param hold whether streams were held open for the whole run
 * @param durationMillis how long the run lasted, from the first stream to the end signal
 * @param totalStreams streams opened, whatever became of them
 * @param servedStreams streams that a backend answered (got response headers)
 * @param completedStreams streams that ended with OK
 * @param streamsPerBackend served streams by {@code x-backend-id} ({@code unknown} when absent)
 * @param openStreamsPerBackend streams open at the end of the run, by backend
 * @param refusals streams refused before any backend served them ({@code RESOURCE_EXHAUSTED} or
 *     {@code UNAVAILABLE}), by status code
 * @param refusalsPerBackend the same refusals by the backend that named itself, when one did
 * @param refusalsTotal the sum of {@code refusals}
 * @param errors every other stream that ended with a non-OK status, by code (streams cut by the
 *     client at the end of the run are not errors)
 * @param errorsTotal the sum of {@code errors}
 * @param messagesSent numbers sent
 * @param responsesReceived answers received
 * @param latencyMillis round trip of a number to its answer
 */
public record Summary(
    String target,
    String mode,
    int streams,
    boolean hold,
    long durationMillis,
    long totalStreams,
    long servedStreams,
    long completedStreams,
    Map<String, Long> streamsPerBackend,
    Map<String, Integer> openStreamsPerBackend,
    Map<String, Long> refusals,
    Map<String, Long> refusalsPerBackend,
    long refusalsTotal,
    Map<String, Long> errors,
    long errorsTotal,
    long messagesSent,
    long responsesReceived,
    LatencyRecorder.Percentiles latencyMillis) {}
