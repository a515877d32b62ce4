package io.loadeds.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server jar with {@code LOADEDS_EXT_PROC_PROCESSORS} set, as the ext_proc Envoy variant
 * expects it: a full cluster registered over REST is shed at once with 503 and Retry-After, and
 * once a load report frees a slot the exchange passes with an id and the spare capacity. An unknown
 * processor name stops the start with exit code 2. Needs the jar built by {@code mvn verify}.
 */
class ExtProcIT {
  private static final String JAR = "loadeds.serverJar";

  private JavaProcess server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theJarShedsAFullClusterAndLetsItThroughOnceASlotIsFree() throws Exception {
    server =
        JavaProcess.start(
            "server",
            JAR,
            Map.of("LOADEDS_EXT_PROC_PROCESSORS", "load-shedding,request-id"),
            "--host=127.0.0.1",
            "--port=0",
            "--retry-after=7s");
    int port = server.awaitLoopbackPort(30_000);
    channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    String endpoint = "http://127.0.0.1:" + port + "/v1/clusters/shop/endpoints/a";
    assertThat(
            rest(
                "PUT",
                endpoint,
                "{\"address\":\"10.0.0.1\",\"port\":8080,\"capacity\":2,\"active\":2}"))
        .isEqualTo(201);

    ProcessingResponse shed = requestHeaders(Map.of(":path", "/", "x-loadeds-cluster", "shop"));

    assertThat(shed.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(503);
    assertThat(value(shed.getImmediateResponse().getHeaders().getSetHeadersList(), "retry-after"))
        .isEqualTo("7");

    assertThat(rest("PATCH", endpoint, "{\"active\":1}")).isEqualTo(200);
    Exchange x = new Exchange(channel);
    ProcessingResponse passed =
        x.send(headers(true, Map.of(":path", "/", "x-loadeds-cluster", "shop")));
    ProcessingResponse response = x.send(headers(false, Map.of(":status", "200")));

    assertThat(passed.hasImmediateResponse()).isFalse();
    List<HeaderValueOption> set =
        response.getResponseHeaders().getResponse().getHeaderMutation().getSetHeadersList();
    assertThat(value(set, "x-loadeds-spare-capacity")).isEqualTo("1");
    assertThat(value(set, "x-request-id")).isNotBlank();
  }

  @Test
  void anUnknownProcessorStopsTheStartWithExitCode2NamingIt() throws Exception {
    server =
        JavaProcess.start("server", JAR, Map.of("LOADEDS_EXT_PROC_PROCESSORS", "nope"), "--port=0");

    JavaProcess.Exit exit = server.awaitExitAndOutput(30_000);

    assertThat(exit.code()).isEqualTo(2);
    assertThat(String.join("\n", exit.lines())).contains("no processor named 'nope'");
  }

  private ProcessingResponse requestHeaders(Map<String, String> h) throws InterruptedException {
    return new Exchange(channel).send(headers(true, h));
  }

  private static ProcessingRequest headers(boolean request, Map<String, String> h) {
    HeaderMap.Builder map = HeaderMap.newBuilder();
    h.forEach((k, v) -> map.addHeaders(HeaderValue.newBuilder().setKey(k).setValue(v)));
    HttpHeaders headers = HttpHeaders.newBuilder().setHeaders(map).build();
    return request
        ? ProcessingRequest.newBuilder().setRequestHeaders(headers).build()
        : ProcessingRequest.newBuilder().setResponseHeaders(headers).build();
  }

  private static String value(List<HeaderValueOption> options, String name) {
    return options.stream()
        .filter(o -> o.getHeader().getKey().equals(name))
        .map(o -> o.getHeader().getValue())
        .findFirst()
        .orElse(null);
  }

  private static int rest(String method, String uri, String json) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(uri))
            .header("content-type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(json))
            .build();
    return HttpClient.newHttpClient()
        .send(request, HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** One ext_proc stream, as Envoy opens one per HTTP exchange. */
  private static final class Exchange {
    private final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    private final StreamObserver<ProcessingRequest> requests;

    Exchange(ManagedChannel channel) {
      requests =
          ExternalProcessorGrpc.newStub(channel)
              .process(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(ProcessingResponse r) {
                      answers.add(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                      answers.add(t);
                    }

                    @Override
                    public void onCompleted() {}
                  });
    }

    ProcessingResponse send(ProcessingRequest r) throws InterruptedException {
      requests.onNext(r);
      Object answer = answers.poll(10, TimeUnit.SECONDS);
      assertThat(answer).as("an answer within 10 s").isInstanceOf(ProcessingResponse.class);
      return (ProcessingResponse) answer;
    }
  }
}
