package io.loadeds.deploy;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.util.JsonFormat.TypeRegistry;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The {@link TypeRegistry} of every message in the Envoy API jar (io.envoyproxy.controlplane:api),
 * so that any {@code typed_config} a bootstrap may hold resolves, not only the ones we thought of.
 *
 * <p>protoc gives each .proto file an outer class (Envoy names them {@code *Proto}, a few files
 * {@code *OuterClass}) with a static {@code getDescriptor()} returning the file's descriptor; the
 * registry takes every message of every such file.
 */
final class EnvoyTypes {

  private EnvoyTypes() {}

  static TypeRegistry registry() {
    TypeRegistry.Builder builder = TypeRegistry.newBuilder();
    for (FileDescriptor file : fileDescriptors()) {
      builder.add(file.getMessageTypes());
    }
    return builder.build();
  }

  static List<FileDescriptor> fileDescriptors() {
    ClassLoader loader = Bootstrap.class.getClassLoader();
    List<FileDescriptor> files = new ArrayList<>();
    for (String className : outerClassCandidates(apiLocation())) {
      Class<?> type;
      try {
        type = Class.forName(className, false, loader);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("listed in the jar but not loadable: " + className, e);
      }
      // A class that merely ends in "Proto" has no static getDescriptor() returning a file.
      Optional<Method> getDescriptor =
          Arrays.stream(type.getMethods())
              .filter(m -> m.getName().equals("getDescriptor") && m.getParameterCount() == 0)
              .filter(m -> Modifier.isStatic(m.getModifiers()))
              .filter(m -> m.getReturnType() == FileDescriptor.class)
              .findFirst();
      if (getDescriptor.isPresent()) {
        files.add(invoke(getDescriptor.get()));
      }
    }
    if (files.isEmpty()) {
      throw new IllegalStateException("no protobuf file descriptors found in " + apiLocation());
    }
    return files;
  }

  private static FileDescriptor invoke(Method getDescriptor) {
    try {
      return (FileDescriptor) getDescriptor.invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read the descriptor of " + getDescriptor, e);
    }
  }

  /** The jar (or class directory) that holds the Envoy API classes. */
  private static Path apiLocation() {
    try {
      return Path.of(Bootstrap.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> outerClassCandidates(Path location) {
    try (Stream<String> entries = entries(location)) {
      return entries
          .filter(n -> n.endsWith("Proto.class") || n.endsWith("OuterClass.class"))
          .filter(n -> !n.contains("$"))
          .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
          .toList();
    }
  }

  private static Stream<String> entries(Path location) {
    try {
      if (Files.isDirectory(location)) {
        List<String> names;
        try (Stream<Path> walk = Files.walk(location)) {
          names = walk.map(p -> location.relativize(p).toString().replace('\\', '/')).toList();
        }
        return names.stream();
      }
      JarFile jar = new JarFile(location.toFile());
      return jar.stream().map(JarEntry::getName).onClose(() -> close(jar));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void close(JarFile jar) {
    try {
      jar.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
