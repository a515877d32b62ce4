package io.loadeds.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A Dockerfile read as the tests need it: its stages and their instructions, with comments dropped
 * and continuation lines joined. Immutable.
 */
record Dockerfile(Path file, List<Stage> stages) {

  /** One {@code FROM} and the instructions up to the next. */
  record Stage(String image, Optional<String> alias, List<Instruction> instructions) {

    List<Instruction> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    Optional<Instruction> last(String keyword) {
      List<Instruction> found = all(keyword);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
    }

    /** Index of the first instruction with this keyword whose arguments contain {@code text}. */
    int indexOf(String keyword, String text) {
      for (int i = 0; i < instructions.size(); i++) {
        Instruction instruction = instructions.get(i);
        if (instruction.keyword().equals(keyword) && instruction.arguments().contains(text)) {
          return i;
        }
      }
      return -1;
    }
  }

  /** An instruction: upper-case keyword and its raw arguments. */
  record Instruction(String keyword, String arguments) {

    /** The arguments of an exec-form instruction ({@code ["java", "-jar", ...]}). */
    List<String> execForm() {
      try {
        JsonNode array = DeployFiles.JSON.readTree(arguments);
        if (array == null || !array.isArray()) {
          throw new IllegalStateException(keyword + " is not in exec form: " + arguments);
        }
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(keyword + " is not in exec form: " + arguments, e);
      }
    }

    /** Whitespace-separated words, for shell-form instructions such as COPY. */
    List<String> words() {
      return List.of(arguments.trim().split("\\s+"));
    }
  }

  static Dockerfile read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Stage> stages = new ArrayList<>();
    List<Instruction> current = null;
    for (String logical : logicalLines(lines)) {
      String[] parts = logical.split("\\s+", 2);
      String keyword = parts[0].toUpperCase(Locale.ROOT);
      String arguments = parts.length > 1 ? parts[1].trim() : "";
      if (keyword.equals("FROM")) {
        current = new ArrayList<>();
        String[] from = arguments.split("\\s+");
        Optional<String> alias =
            from.length >= 3 && from[1].equalsIgnoreCase("AS")
                ? Optional.of(from[2])
                : Optional.empty();
        stages.add(new Stage(from[0], alias, current));
      } else if (current != null) {
        current.add(new Instruction(keyword, arguments));
      } else if (!keyword.equals("ARG")) {
        throw new IllegalStateException(file + ": " + keyword + " before the first FROM");
      }
    }
    if (stages.isEmpty()) {
      throw new IllegalStateException(file + " has no FROM");
    }
    return new Dockerfile(file, stages.stream().map(Dockerfile::freeze).toList());
  }

  Stage finalStage() {
    return stages.get(stages.size() - 1);
  }

  Optional<Stage> stage(String alias) {
    return stages.stream().filter(s -> s.alias().filter(alias::equals).isPresent()).findFirst();
  }

  private static Stage freeze(Stage stage) {
    return new Stage(stage.image(), stage.alias(), List.copyOf(stage.instructions()));
  }

  /**
   * Drops comments and blank lines (also inside continuations, as Docker does) and joins lines
   * continued with a backslash.
   */
  private static List<String> logicalLines(List<String> lines) {
    List<String> out = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      pending.append(line);
      out.add(pending.toString().strip());
      pending.setLength(0);
    }
    if (pending.length() > 0) {
      out.add(pending.toString().strip());
    }
    return out;
  }
}
