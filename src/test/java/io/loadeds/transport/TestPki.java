package io.loadeds.transport;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway PKI made at test time: a CA, a server certificate for {@code 127.0.0.1} (IP SAN) and
 * a client certificate, all EC P-256, written as PEM files into a directory.
 */
final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  final Path caFile;
  final Path serverCertFile;
  final Path serverKeyFile;
  final Path clientCertFile;
  final Path clientKeyFile;
  private final X509Certificate ca;
  private final X509Certificate clientCert;
  private final KeyPair clientKeys;

  TestPki(Path dir) throws Exception {
    KeyPair caKeys = keyPair();
    ca = caCertificate(caKeys);
    KeyPair serverKeys = keyPair();
    X509Certificate serverCert =
        leaf(caKeys, serverKeys, "127.0.0.1", KeyPurposeId.id_kp_serverAuth, true);
    clientKeys = keyPair();
    clientCert = leaf(caKeys, clientKeys, "test-client", KeyPurposeId.id_kp_clientAuth, false);
    caFile = write(dir.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
    serverCertFile =
        write(
            dir.resolve("server.pem"),
            pem("CERTIFICATE", serverCert.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()));
    serverKeyFile =
        write(
            dir.resolve("server-key.pem"),
            pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
    clientCertFile = write(dir.resolve("client.pem"), pem("CERTIFICATE", clientCert.getEncoded()));
    clientKeyFile =
        write(
            dir.resolve("client-key.pem"),
            pem("PRIVATE KEY", clientKeys.getPrivate().getEncoded()));
  }

  /** A JDK context trusting the CA, presenting the client certificate if {@code withClientCert}. */
  SSLContext sslContext(boolean withClientCert) throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (withClientCert) {
      char[] password = "changeit".toCharArray();
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry(
          "client", clientKeys.getPrivate(), password, new Certificate[] {clientCert, ca});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private static X509Certificate caCertificate(KeyPair keys) throws Exception {
    X500Name name = new X500Name("CN=LoadEDS test CA");
    X509v3CertificateBuilder builder = builder(name, name, keys);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    builder.addExtension(
        Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return sign(builder, keys);
  }

  private static X509Certificate leaf(
      KeyPair caKeys, KeyPair keys, String name, KeyPurposeId purpose, boolean ipSan)
      throws Exception {
    X509v3CertificateBuilder builder =
        builder(new X500Name("CN=LoadEDS test CA"), new X500Name("CN=" + name), keys);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
    if (ipSan) {
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.iPAddress, name)));
    }
    return sign(builder, caKeys);
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(1))),
        subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static Path write(Path file, String text) throws IOException {
    return Files.writeString(file, text);
  }
}
