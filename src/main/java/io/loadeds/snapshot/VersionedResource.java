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
    Hasher h = new Hasher();
    for (String p : parts) {
      h.add(p);
    }
    return h.done();
  }

  /**
   * Builds {@link #hash(Iterable)} part by part, without collecting the parts first. Every response
   * to every stream hashes the names and versions it carries, so this copies ASCII text straight
   * into a per-thread buffer instead of encoding each string into a new array. Its digest is its
   * thread's own, apart from the one {@link #of} and {@link #hash(byte[])} use (a placeholder may
   * be built while a response's version is being hashed); so use one hasher at a time per thread,
   * from {@code new} to {@link #done}.
   */
  public static final class Hasher {
    private final MessageDigest digest = reset(HASHER_SHA_256.get());
    private byte[] buffer = BUFFER.get();

    /** Adds one part. */
    public Hasher add(String part) {
      int n = part.length();
      if (buffer.length < n + 1) {
        buffer = new byte[Math.max(n + 1, buffer.length * 2)];
        BUFFER.set(buffer);
      }
      for (int i = 0; i < n; i++) {
        char c = part.charAt(i);
        if (c >= 0x80) {
          // Not ASCII: the same bytes as before, the slow way.
          digest.update(part.getBytes(StandardCharsets.UTF_8));
          digest.update((byte) 0);
          return this;
        }
        buffer[i] = (byte) c;
      }
      buffer[n] = 0;
      digest.update(buffer, 0, n + 1);
      return this;
    }

    /** The hash of the parts added; the hasher is spent. */
    public String done() {
      return HexFormat.of().formatHex(digest.digest(), 0, 8);
    }
  }

  private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[256]);

  // One digest per thread: every response to every stream hashes its parts, and looking up a
  // fresh MessageDigest costs about as much as hashing the few hundred bytes. Only the event loops
  // and the cache's context hash, so there are few of them. Each use ends with digest(), which
  // resets it.
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(VersionedResource::newSha256);

  private static final ThreadLocal<MessageDigest> HASHER_SHA_256 =
      ThreadLocal.withInitial(VersionedResource::newSha256);

  private static MessageDigest sha256() {
    return reset(SHA_256.get());
  }

  private static MessageDigest reset(MessageDigest d) {
    d.reset(); // in case an earlier use on this thread failed half-way
    return d;
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
