package io.loadeds.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** Locating and reading the deployment files of the repository (stateless helpers). */
final class DeployFiles {

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

  private DeployFiles() {}

  /** The repository root: Maven runs the tests with the module (root) directory as base dir. */
  static Path projectDir() {
    String basedir = System.getProperty("basedir", System.getProperty("user.dir"));
    Path dir = Path.of(basedir).toAbsolutePath().normalize();
    if (!Files.isRegularFile(dir.resolve("pom.xml"))) {
      throw new IllegalStateException("not the repository root (no pom.xml): " + dir);
    }
    return dir;
  }

  static Path envoyYaml() {
    return projectDir().resolve("envoy.yaml");
  }

  static Path dockerCompose() {
    return projectDir().resolve("docker-compose.yml");
  }

  static JsonNode readYaml(Path file) {
    try {
      JsonNode tree = YAML.readTree(file.toFile());
      if (tree == null || tree.isMissingNode() || !tree.isObject()) {
        throw new IllegalStateException(file + " is not a YAML mapping");
      }
      return tree;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The name of the runnable jar a Maven project builds into {@code target/}: the shade plugin's
   * {@code finalName}, else {@code build/finalName}, else Maven's {@code artifactId-version}; the
   * fallback when the project has no pom (yet).
   */
  static String fatJarName(Path projectDir, String fallback) {
    Path pomFile = projectDir.resolve("pom.xml");
    if (!Files.isRegularFile(pomFile)) {
      return fallback + ".jar";
    }
    Element project = parseXml(pomFile).getDocumentElement();
    Map<String, String> properties = properties(project);
    Optional<String> name =
        shadeFinalName(project)
            .or(() -> child(project, "build").flatMap(b -> text(b, "finalName")));
    String resolved =
        name.orElse(properties.get("project.artifactId") + "-" + properties.get("project.version"));
    return interpolate(resolved, properties) + ".jar";
  }

  /** A property of the pom ({@code <properties>}, or {@code project.artifactId/version}). */
  static Optional<String> pomProperty(Path projectDir, String name) {
    Path pomFile = projectDir.resolve("pom.xml");
    if (!Files.isRegularFile(pomFile)) {
      return Optional.empty();
    }
    Map<String, String> properties = properties(parseXml(pomFile).getDocumentElement());
    return Optional.ofNullable(properties.get(name)).map(v -> interpolate(v, properties));
  }

  /** The {@code <modules>} of a pom (empty for a plain jar project). */
  static List<String> pomModules(Path projectDir) {
    Element project = parseXml(projectDir.resolve("pom.xml")).getDocumentElement();
    List<String> modules = new ArrayList<>();
    child(project, "modules")
        .ifPresent(m -> children(m, "module").forEach(e -> modules.add(e.getTextContent().trim())));
    return modules;
  }

  private static Optional<String> shadeFinalName(Element project) {
    NodeList plugins = project.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element plugin = (Element) plugins.item(i);
      if (text(plugin, "artifactId").filter("maven-shade-plugin"::equals).isEmpty()) {
        continue;
      }
      NodeList names = plugin.getElementsByTagName("finalName");
      if (names.getLength() > 0) {
        return Optional.of(names.item(0).getTextContent().trim());
      }
    }
    return Optional.empty();
  }

  private static Map<String, String> properties(Element project) {
    Map<String, String> properties = new HashMap<>();
    text(project, "artifactId").ifPresent(v -> properties.put("project.artifactId", v));
    text(project, "version").ifPresent(v -> properties.put("project.version", v));
    child(project, "properties")
        .ifPresent(p -> children(p, null).forEach(e -> properties.put(e.getTagName(), text(e))));
    return properties;
  }

  private static String interpolate(String value, Map<String, String> properties) {
    Matcher m = PROPERTY.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String key = m.group(1);
      String replacement =
          properties.get(key.startsWith("pom.") ? "project." + key.substring(4) : key);
      if (replacement == null) {
        throw new IllegalStateException("unresolved property ${" + key + "} in " + value);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static Document parseXml(Path file) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return factory.newDocumentBuilder().parse(file.toFile());
    } catch (Exception e) {
      throw new IllegalStateException("cannot parse " + file, e);
    }
  }

  private static Optional<Element> child(Element parent, String name) {
    return children(parent, name).stream().findFirst();
  }

  private static Optional<String> text(Element parent, String name) {
    return child(parent, name).map(DeployFiles::text);
  }

  private static String text(Element element) {
    return element.getTextContent().trim();
  }

  /** Direct child elements, all of them when {@code name} is null. */
  private static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && (name == null || name.equals(e.getTagName()))) {
        out.add(e);
      }
    }
    return out;
  }
}
