package io.loadeds.it;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 connection to the server on loopback that pipelines calls: {@link #send} writes a
 * request at once, without waiting for the answers to earlier ones (at most {@value #WINDOW}
 * outstanding; beyond that it waits), and a reader thread pairs the answers with the calls in
 * order, as HTTP/1.1 answers pipelined requests, checking each status against the one the caller
 * expected. Written on a plain socket so the client costs little CPU next to the server it loads.
 *
 * <p>Threading: {@link #send} is called by one thread at a time; the reader thread updates the
 * tallies under this object's monitor, and the other methods read them under it. Read the tallies
 * after {@link #awaitAnswered}.
 */
final class PipelinedConnection implements AutoCloseable {
  private static final int WINDOW = 64;

  private record Call(String what, int expect, long sentNanos) {}

  private final String name;
  private final Socket socket;
  private final OutputStream out;
  private final String host;
  private final BlockingQueue<Call> inFlight = new ArrayBlockingQueue<>(WINDOW);

  // Guarded by this.
  private final Map<Integer, Long> statuses = new TreeMap<>();
  private final List<String> mismatches = new ArrayList<>();
  private long[] latencyMicros = new long[4096];
  private int answered;
  private long sent;
  private long lastAnswerNanos;
  private boolean broken;

  PipelinedConnection(int port, String name) throws IOException {
    this.name = name;
    this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setTcpNoDelay(true);
    this.out = new BufferedOutputStream(socket.getOutputStream(), 8192);
    this.host = "127.0.0.1:" + port;
    Thread reader = new Thread(this::readAnswers, name + "-answers");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Sends {@code method path} with a JSON {@code body} (or none when null) and expects {@code
   * expect} as its answer's status.
   *
   * @throws IOException when the connection is broken
   */
  void send(String method, String path, String body, int expect)
      throws IOException, InterruptedException {
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String head =
        method
            + " "
            + path
            + " HTTP/1.1\r\nhost: "
            + host
            + (body == null ? "" : "\r\ncontent-type: application/json")
            + "\r\ncontent-length: "
            + content.length
            + "\r\n\r\n";
    // Queued before it is written, so the reader always finds the call of the answer it reads.
    Call call = new Call(method + " " + path, expect, System.nanoTime());
    while (!inFlight.offer(call, 100, TimeUnit.MILLISECONDS) || isBroken()) {
      if (isBroken()) {
        throw new IOException(name + " is broken");
      }
    }
    synchronized (this) {
      sent++;
    }
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(content);
    out.flush();
  }

  private void readAnswers() {
    try (InputStream in = new BufferedInputStream(socket.getInputStream(), 16384)) {
      while (true) {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
        String body = body(in);
        Call call = inFlight.take();
        long now = System.nanoTime();
        synchronized (this) {
          statuses.merge(status, 1L, Long::sum);
          if (status != call.expect) {
            if (mismatches.size() < 20) {
              mismatches.add(
                  call.what
                      + " -> "
                      + status
                      + ", expected "
                      + call.expect
                      + ": "
                      + body.substring(0, Math.min(200, body.length())));
            }
          }
          if (answered == latencyMicros.length) {
            latencyMicros = Arrays.copyOf(latencyMicros, answered * 2);
          }
          latencyMicros[answered++] = (now - call.sentNanos) / 1_000;
          lastAnswerNanos = now;
          notifyAll();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Closed, or the server broke the connection: what is still in flight stays unanswered.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      synchronized (this) {
        broken = true;
        notifyAll();
      }
    }
  }

  /** The headers after the status line, then the body (by content-length, or chunked). */
  private static String body(InputStream in) throws IOException {
    int length = 0;
    boolean chunked = false;
    for (String h; !(h = line(in)).isEmpty(); ) {
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(lower.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (chunked) {
      for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; ) {
        body.write(in.readNBytes(size));
        line(in);
      }
      while (!line(in).isEmpty()) {
        // trailers
      }
    } else {
      byte[] content = in.readNBytes(length);
      if (content.length < length) {
        throw new EOFException("body cut short");
      }
      body.write(content);
    }
    return body.toString(StandardCharsets.UTF_8);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder s = new StringBuilder();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new EOFException("connection closed");
      }
      if (b != '\r') {
        s.append((char) b);
      }
    }
    return s.toString();
  }

  private synchronized boolean isBroken() {
    return broken;
  }

  /**
   * Waits until every call sent has its answer, the connection broke, or {@code timeout} passed.
   */
  synchronized void awaitAnswered(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (answered < sent && !broken) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /** Forgets the tallies; call when nothing is in flight. */
  synchronized void resetTallies() {
    statuses.clear();
    mismatches.clear();
    answered = 0;
    sent = 0;
  }

  synchronized Map<Integer, Long> statuses() {
    return Map.copyOf(statuses);
  }

  /** Answers whose status was not the expected one, described (at most 20 kept). */
  synchronized List<String> mismatches() {
    return List.copyOf(mismatches);
  }

  synchronized long answered() {
    return answered;
  }

  /** Calls sent and not answered (yet, or ever when the connection broke). */
  synchronized long unanswered() {
    return sent - answered;
  }

  synchronized long lastAnswerNanos() {
    return lastAnswerNanos;
  }

  /** Time from sending each call to its answer, in the order answered. */
  synchronized long[] latencyMicros() {
    return Arrays.copyOf(latencyMicros, answered);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway; the reader ends on the closed socket
    }
  }
}
