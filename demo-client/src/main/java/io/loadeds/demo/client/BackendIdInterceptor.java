package io.loadeds.demo.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Tells a stream which backend answered it, from the {@value #HEADER} response header.
 *
 * <p>A served stream gets it with the response headers; a refused one with a trailers-only answer,
 * where headers and trailers are one block. The listener is attached per call with {@link
 * #LISTENER} and called before the call's observer hears of the same event.
 *
 * <p>Threading: stateless; the listener is called on the call's callback thread.
 */
public final class BackendIdInterceptor implements ClientInterceptor {

  /** The header the demo backend names itself in. */
  public static final String HEADER = "x-backend-id";

  /** Hears, once per call, which backend answered it. */
  public interface Listener {
    /** The backend served the stream: it sent response headers. Null id: no header was sent. */
    void served(String backendId);

    /**
     * The stream ended without response headers: a trailers-only answer such as a refusal, or a
     * failure before any backend answered. Null id when the trailers named none.
     */
    void trailersOnly(String backendId);
  }

  /** Attaches a {@link Listener} to a call. */
  public static final CallOptions.Key<Listener> LISTENER = CallOptions.Key.create("backend-id");

  private static final Metadata.Key<String> KEY =
      Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    Listener listener = options.getOption(LISTENER);
    ClientCall<Q, R> call = next.newCall(method, options);
    if (listener == null) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(ClientCall.Listener<R> responseListener, Metadata headers) {
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
                responseListener) {
              private boolean sawHeaders;

              @Override
              public void onHeaders(Metadata responseHeaders) {
                sawHeaders = true;
                listener.served(responseHeaders.get(KEY));
                super.onHeaders(responseHeaders);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                if (!sawHeaders) {
                  listener.trailersOnly(trailers.get(KEY));
                }
                super.onClose(status, trailers);
              }
            },
            headers);
      }
    };
  }
}
