package io.loadeds.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.loadeds.config.ConfigException;
import io.loadeds.config.HttpConfig;
import io.loadeds.config.ServerConfig;
import io.loadeds.config.TlsConfig;
import io.loadeds.config.XdsConfig;
import io.loadeds.snapshot.ResourceType;
import io.loadeds.xds.Responses;
import io.loadeds.xds.XdsStream;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS on the one port, through the production wiring: REST over HTTPS with the JDK
 * client and an ADS stream over TLS with grpc-java, against certificates made at test time.
 */
class TlsTest {
  @TempDir static Path dir;
  private static TestPki pki;

  private final Vertx vertx = Vertx.vertx();
  private LoadEdsServer server;
  private ManagedChannel channel;

  @BeforeAll
  static void makeCertificates() throws Exception {
    pki = new TestPki(dir);
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close().await(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void restIsServedOverHttpsAndPlainHttpIsRefused() throws Exception {
    start(serverTls());

    HttpResponse<String> put = put("https", pki.sslContext(false), "a1");
    assertThat(put.statusCode()).isEqualTo(201);
    assertThat(put.version()).as("ALPN h2").isEqualTo(HttpClient.Version.HTTP_2);

    assertThatThrownBy(() -> put("http", pki.sslContext(false), "a2"))
        .isInstanceOf(IOException.class);
    assertThat(server.registry().clusters()).hasSize(1);
  }

  @Test
  void anAdsStreamOverTlsReceivesItsAssignment() throws Exception {
    start(serverTls());
    assertThat(put("https", pki.sslContext(false), "a1").statusCode()).isEqualTo(201);

    XdsStream ads = ads(false);

    assertThat(Responses.names(ads.subscribe(ResourceType.ENDPOINT, "shop")))
        .containsExactly("shop");
  }

  @Test
  void withAClientCaRestNeedsAClientCertificate() throws Exception {
    start(serverTls().withClientCaFile(pki.caFile.toString()));

    assertThatThrownBy(() -> put("https", pki.sslContext(false), "a1"))
        .isInstanceOf(IOException.class);
    assertThat(put("https", pki.sslContext(true), "a2").statusCode()).isEqualTo(201);
  }

  @Test
  void withAClientCaGrpcNeedsAClientCertificate() throws Exception {
    start(serverTls().withClientCaFile(pki.caFile.toString()));
    assertThat(put("https", pki.sslContext(true), "a1").statusCode()).isEqualTo(201);

    XdsStream refused = ads(false);
    refused.send(Responses.first(XdsStream.NODE, ResourceType.ENDPOINT, "shop"));
    assertThat(refused.awaitStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

    XdsStream admitted = ads(true);
    assertThat(Responses.names(admitted.subscribe(ResourceType.ENDPOINT, "shop")))
        .containsExactly("shop");
  }

  @Test
  void aCertificateWithoutAKeyOrAMissingFileFailsTheStart() {
    assertThatThrownBy(
            () -> start(TlsConfig.defaults().withCertFile(pki.serverCertFile.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls.certFile and tls.keyFile must be set together (got only tls.certFile)");
    assertThatThrownBy(
            () -> start(serverTls().withClientCaFile(dir.resolve("missing.pem").toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tls.clientCaFile " + dir.resolve("missing.pem") + " is not a readable file");
  }

  @Test
  void aMalformedPemFileFailsTheStartAsAConfigurationErrorNamingTheSetting() throws Exception {
    Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), "this is not PEM\n");
    Path notACert =
        Files.writeString(dir.resolve("not-a-cert.pem"), "-----BEGIN CERTIFICATE-----\n");

    assertThatThrownBy(() -> start(serverTls().withKeyFile(notAKey.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.keyFile " + notAKey)
        .hasMessageContaining("cannot be used");
    assertThatThrownBy(() -> start(serverTls().withClientCaFile(notACert.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("tls.clientCaFile " + notACert + " cannot be used");
  }

  private static TlsConfig serverTls() {
    return TlsConfig.defaults()
        .withCertFile(pki.serverCertFile.toString())
        .withKeyFile(pki.serverKeyFile.toString());
  }

  private void start(TlsConfig tls) throws Exception {
    ServerConfig config =
        ServerConfig.defaults()
            .withHttp(HttpConfig.defaults().withHost("127.0.0.1").withPort(0).withEventLoops(1))
            .withXds(XdsConfig.defaults().withWarmUp(Duration.ZERO))
            .withTls(tls);
    server = LoadEdsServer.start(vertx, config, Clock.systemUTC()).await(30, TimeUnit.SECONDS);
  }

  private HttpResponse<String> put(String scheme, SSLContext tls, String id)
      throws IOException, InterruptedException {
    HttpClient client =
        HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    scheme + "://127.0.0.1:" + server.port() + "/v1/clusters/shop/endpoints/" + id))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString("{\"address\":\"127.0.0.1\",\"port\":8080}"))
            .build();
    return client.send(request, BodyHandlers.ofString());
  }

  private XdsStream ads(boolean withClientCert) throws IOException {
    SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(pki.caFile.toFile());
    if (withClientCert) {
      tls.keyManager(pki.clientCertFile.toFile(), pki.clientKeyFile.toFile());
    }
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).sslContext(tls.build()).build();
    return new XdsStream(
        AggregatedDiscoveryServiceGrpc.newStub(channel)::streamAggregatedResources);
  }
}
