package io.loadeds.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One xDS resource, packed once, with its own version. Immutable and shareable across streams.
 *
 * <p>The version is a hash of the serialized content, so it never repeats for different content,
 * also across restarts and replicas, and an unchanged resource keeps its version (a reconnecting
 * client that already has it is not sent it again by the delta protocol).
 *
 * @param type its type
 * @param name its name (the cluster name for every type here)
 * @param version content hash
 * @param body the resource packed as {@code Any}
 */
public record VersionedResource(ResourceType type, String name, String version, Any body) {

  /** Packs {@code message} and derives its version from the bytes. */
  public static VersionedResource of(ResourceType type, String name, Message message) {
    Any any = Any.pack(message);
    return new VersionedResource(type, name, hash(any.getValue().toByteArray()), any);
  }

  /** A short, stable hash: 16 hex digits of SHA-256. */
  public static String hash(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes), 0, 8);
  }

  /** Hash of several strings, separated so that ("ab","c") and ("a","bc") differ. */
  public static String hash(Iterable<String> parts) {
    MessageDigest d = sha256();
    for (String p : parts) {
      d.update(p.getBytes(StandardCharsets.UTF_8));
      d.update((byte) 0);
    }
    return HexFormat.of().formatHex(d.digest(), 0, 8);
  }

  // One digest per thread: every response to every stream hashes its parts, and looking up a
  // fresh MessageDigest costs about as much as hashing the few hundred bytes. Only the event loops
  // and the cache's context hash, so there are few of them. Each use ends with digest(), which
  // resets it.
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every JVM has SHA-256", e);
            }
          });

  private static MessageDigest sha256() {
    MessageDigest d = SHA_256.get();
    d.reset(); // in case an earlier use on this thread failed half-way
    return d;
  }
}
