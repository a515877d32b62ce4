package io.loadeds.it;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * A registration load generator for multi-process tests: a few HTTP/1.1 connections ({@link
 * PipelinedConnection}) that send together a target rate of calls to the REST registration API:
 * registrations (PUT), load reports (PATCH) that flip endpoints between full and not full, and
 * deregistrations (DELETE). The load is open: each call goes out when its time comes, whether or
 * not the earlier ones were answered, so slow answers lower the achieved rate only when the server
 * cannot keep up, not because the generator waits.
 *
 * <p>Each connection owns a disjoint share of the endpoints and the server answers a connection's
 * calls in order, so the generator knows what the registry must hold (its model, updated as each
 * call is sent) and which status each call must get. An answer the model does not predict, such as
 * a 404 for an endpoint it registered or a 201 for one that exists, is a mismatch: the registry
 * lost or invented a write. Leases outlive the test, so no endpoint changes on its own.
 *
 * <p>Threading: the methods are called from one test thread, one at a time; during {@link #run} one
 * sender thread per connection touches only that connection's endpoints.
 */
final class RegistrationLoad implements AutoCloseable {
  /** Capacity of every endpoint; {@code active >= CAPACITY} makes it full. */
  static final int CAPACITY = 4;

  private static final long TTL_SECONDS = 600;
  private static final Duration DRAIN = Duration.ofSeconds(30);

  /** One endpoint the generator drives, and what the registry must hold of it. */
  private static final class Slot {
    final String cluster;
    final String id;
    final int port;
    boolean registered;
    int active;

    Slot(String cluster, String id, int port) {
      this.cluster = cluster;
      this.id = id;
      this.port = port;
    }

    String path() {
      return "/v1/clusters/" + cluster + "/endpoints/" + id;
    }
  }

  /** One connection with its endpoints and the dice that choose its calls. */
  private record Lane(PipelinedConnection connection, List<Slot> slots, SplittableRandom random) {}

  /**
   * What a run achieved.
   *
   * @param requests answered calls (any status)
   * @param elapsed from the start until the last answer
   * @param statuses answers by HTTP status
   * @param transportErrors calls without an answer (the connection broke)
   * @param mismatches answers the model did not predict, described (at most 20 kept)
   * @param latencyMillis p50, p99 and max time from sending a call to its answer
   */
  record Result(
      long requests,
      Duration elapsed,
      Map<Integer, Long> statuses,
      long transportErrors,
      List<String> mismatches,
      double[] latencyMillis) {
    double perSecond() {
      return requests / (elapsed.toNanos() / 1e9);
    }

    long serverErrors() {
      return statuses.entrySet().stream()
          .filter(e -> e.getKey() >= 500)
          .mapToLong(Map.Entry::getValue)
          .sum();
    }
  }

  private final List<Lane> lanes = new ArrayList<>();
  private final List<Slot> slots = new ArrayList<>();

  /**
   * Connects; the endpoints of each cluster are dealt out round robin over the connections.
   *
   * @param clusterSizes how many endpoints each cluster has to play with
   */
  RegistrationLoad(int port, Map<String, Integer> clusterSizes, int connections, long seed)
      throws IOException {
    for (int i = 0; i < connections; i++) {
      lanes.add(
          new Lane(
              new PipelinedConnection(port, "load-" + i),
              new ArrayList<>(),
              new SplittableRandom(seed + i)));
    }
    int nextPort = 20_000;
    for (Map.Entry<String, Integer> c : clusterSizes.entrySet()) {
      for (int i = 0; i < c.getValue(); i++) {
        // Every address is distinct: within a cluster an address belongs to one id.
        Slot s = new Slot(c.getKey(), "e" + i, nextPort++);
        slots.add(s);
        lanes.get(slots.size() % connections).slots.add(s);
      }
    }
  }

  /** Registers every endpoint with room; fails on any unexpected answer. */
  void registerAll() throws IOException, InterruptedException {
    for (Lane lane : lanes) {
      for (Slot s : lane.slots) {
        put(lane, s, 0);
      }
    }
    awaitAnswered("registering");
  }

  /**
   * Sends {@code perSecond} calls a second for {@code duration}, spread evenly over the
   * connections, each paced by its own schedule (a sender that was held up sends at once until it
   * catches up); no call starts after {@code duration}. Then waits for the last answers.
   */
  Result run(int perSecond, Duration duration) throws InterruptedException {
    lanes.forEach(l -> l.connection.resetTallies());
    long interval = lanes.size() * 1_000_000_000L / perSecond;
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    List<Thread> senders = new ArrayList<>();
    for (int i = 0; i < lanes.size(); i++) {
      Lane lane = lanes.get(i);
      long first = start + interval * i / lanes.size(); // staggered, not in lockstep
      Thread t = new Thread(() -> send(lane, first, interval, end), "load-send-" + i);
      t.setDaemon(true); // ends by itself at the end of the run, and never keeps the JVM alive
      senders.add(t);
      t.start();
    }
    for (Thread t : senders) {
      t.join();
    }
    for (Lane lane : lanes) {
      lane.connection.awaitAnswered(DRAIN);
    }
    long last = lanes.stream().mapToLong(l -> l.connection.lastAnswerNanos()).max().orElse(start);
    Map<Integer, Long> statuses = new TreeMap<>();
    List<String> mismatches = new ArrayList<>();
    long transportErrors = 0;
    long requests = 0;
    List<long[]> latencies = new ArrayList<>();
    for (Lane lane : lanes) {
      PipelinedConnection c = lane.connection;
      c.statuses().forEach((status, n) -> statuses.merge(status, n, Long::sum));
      c.mismatches().stream().limit(20 - mismatches.size()).forEach(mismatches::add);
      transportErrors += c.unanswered();
      requests += c.answered();
      latencies.add(c.latencyMicros());
    }
    long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    double[] millis = new double[3];
    if (all.length > 0) {
      millis[0] = all[all.length / 2] / 1e3;
      millis[1] = all[(int) (all.length * 0.99)] / 1e3;
      millis[2] = all[all.length - 1] / 1e3;
    }
    Duration elapsed = Duration.ofNanos(Math.max(last, end) - start);
    return new Result(requests, elapsed, statuses, transportErrors, mismatches, millis);
  }

  private void send(Lane lane, long first, long interval, long end) {
    try {
      for (long due = first; due < end && System.nanoTime() < end; due += interval) {
        for (long wait; (wait = due - System.nanoTime()) > 0; ) {
          LockSupport.parkNanos(wait);
        }
        step(lane, lane.slots.get(lane.random.nextInt(lane.slots.size())));
      }
    } catch (IOException e) {
      // The connection broke: its unanswered calls are counted as transport errors.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * After a run, a last change to every cluster, each taking another way to the clients: every
   * endpoint of {@code allFull} becomes registered and full (its assignment is the 100% drop),
   * every endpoint of {@code gone} is deregistered (it is no longer published), and in each other
   * cluster endpoint {@code e0} ends with a weight-only change (admitted before and after, one more
   * stream), which the server may hold back for its coalescing window. Fails on any unexpected
   * answer.
   */
  void finish(String allFull, String gone) throws IOException, InterruptedException {
    lanes.forEach(l -> l.connection.resetTallies());
    for (Lane lane : lanes) {
      for (Slot s : lane.slots) {
        if (s.cluster.equals(allFull)) {
          put(lane, s, CAPACITY);
        } else if (s.cluster.equals(gone)) {
          if (s.registered) {
            delete(lane, s);
          }
        } else if (s.id.equals("e0")) {
          put(lane, s, 0);
          s.active = 1;
          lane.connection.send("PATCH", s.path(), "{\"active\":1}", 200);
        }
      }
    }
    awaitAnswered("finishing");
  }

  /**
   * What the registry must hold: per cluster with registered endpoints, each endpoint's {@code
   * "active state"}, where the state follows the load policy without hysteresis.
   */
  Map<String, Map<String, String>> model() {
    Map<String, Map<String, String>> out = new TreeMap<>();
    for (Slot s : slots) {
      if (s.registered) {
        out.computeIfAbsent(s.cluster, c -> new TreeMap<>())
            .put(s.id, s.active + " " + (s.active >= CAPACITY ? "FULL" : "ADMITTED"));
      }
    }
    return out;
  }

  /** The cluster names, in the order given. */
  List<String> clusters() {
    return slots.stream().map(s -> s.cluster).distinct().toList();
  }

  /**
   * One call on {@code s}: a new registration when it is not registered; otherwise mostly a load
   * report, sometimes a re-registration or a deregistration.
   */
  private void step(Lane lane, Slot s) throws IOException, InterruptedException {
    SplittableRandom random = lane.random;
    if (!s.registered) {
      put(lane, s, random.nextInt(CAPACITY + 1));
      return;
    }
    int dice = random.nextInt(100);
    if (dice < 8) {
      delete(lane, s);
    } else if (dice < 16) {
      put(lane, s, random.nextInt(CAPACITY + 1));
    } else {
      // A full endpoint reports room; one with room becomes full half of the time, else its
      // weight (the spare capacity) changes.
      boolean full = s.active >= CAPACITY;
      int active = !full && random.nextBoolean() ? CAPACITY : random.nextInt(CAPACITY);
      s.active = active;
      lane.connection.send("PATCH", s.path(), "{\"active\":" + active + "}", 200);
    }
  }

  private static void put(Lane lane, Slot s, int active) throws IOException, InterruptedException {
    String body =
        "{\"address\":\"127.0.0.1\",\"port\":"
            + s.port
            + ",\"capacity\":"
            + CAPACITY
            + ",\"active\":"
            + active
            + ",\"ttlSeconds\":"
            + TTL_SECONDS
            + "}";
    int expect = s.registered ? 200 : 201;
    s.registered = true;
    s.active = active;
    lane.connection.send("PUT", s.path(), body, expect);
  }

  private static void delete(Lane lane, Slot s) throws IOException, InterruptedException {
    s.registered = false;
    lane.connection.send("DELETE", s.path(), null, 204);
  }

  private void awaitAnswered(String what) throws InterruptedException {
    for (Lane lane : lanes) {
      PipelinedConnection c = lane.connection;
      c.awaitAnswered(DRAIN);
      if (!c.mismatches().isEmpty() || c.unanswered() > 0) {
        throw new AssertionError(
            what + ": " + c.unanswered() + " unanswered, mismatches " + c.mismatches());
      }
    }
  }

  @Override
  public void close() {
    lanes.forEach(l -> l.connection.close());
  }
}
