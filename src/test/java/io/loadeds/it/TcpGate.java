package io.loadeds.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on a free loopback port that plays a network link for multi-process tests: while
 * closed, every connection is reset as soon as it is accepted (the peer is unreachable); once
 * {@link #open}, connections are piped to the target port both ways. A gate opens once: there is no
 * closing it again short of {@link #close}, which drops every connection.
 *
 * <p>Threading: one daemon thread accepts, two daemon threads per connection copy bytes; {@link
 * #open} and {@link #close} may be called from any thread.
 */
final class TcpGate implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean open;

  private TcpGate(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "tcp-gate-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A closed gate to {@code 127.0.0.1:target}. */
  static TcpGate to(int target) throws IOException {
    return new TcpGate(target);
  }

  /** The port the gate listens on, what a peer is told to connect to. */
  int port() {
    return server.getLocalPort();
  }

  /** From now on connections reach the target. */
  void open() {
    open = true;
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (!open) {
        reset(in);
        continue;
      }
      try {
        Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(in);
        sockets.add(out);
        pipe(in, out);
        pipe(out, in);
      } catch (IOException e) {
        reset(in);
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              try (InputStream src = from.getInputStream();
                  OutputStream dst = to.getOutputStream()) {
                src.transferTo(dst);
              } catch (IOException e) {
                // one side closed: close the other below
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "tcp-gate-pipe-" + from.getLocalPort());
    t.setDaemon(true);
    t.start();
  }

  /** Closes with a reset, as a host that refuses the port would answer. */
  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException e) {
      // closed already
    }
    closeQuietly(s);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing left to release
    }
  }

  /** Stops listening and drops every piped connection. */
  @Override
  public void close() throws IOException {
    open = false;
    server.close();
    sockets.forEach(TcpGate::closeQuietly);
  }
}
