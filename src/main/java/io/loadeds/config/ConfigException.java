package io.loadeds.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A configuration the server cannot run with: an unknown key, a bad value, or a file (config,
 * tokens) that is missing, unreadable or malformed. Its message is one line that names the key or
 * file and the fault, and never holds a secret or the file's content; {@code Main} prints it and
 * exits with status 2, as for a bad flag.
 *
 * <p>Unchecked, like the {@link IllegalArgumentException} it refines: config values are parsed in
 * lambdas ({@link ConfigKey#set()}) and during the asynchronous start, and callers that already
 * treat an illegal argument as a refusal keep doing so. Immutable.
 */
public final class ConfigException extends IllegalArgumentException {
  public ConfigException(String message) {
    super(oneLine(message));
  }

  public ConfigException(String message, Throwable cause) {
    super(oneLine(message), cause);
  }

  /**
   * Why {@code file} could not be read, as {@code "<what> <file>: <fault>"}: no such file,
   * permission denied, a directory, not UTF-8, or not valid YAML/JSON (with line and column). The
   * parser's own message is left out: it may quote the file, which may hold a token.
   *
   * @param what the setting that names the file, e.g. {@code auth.tokensFile}
   */
  public static ConfigException unreadable(String what, Path file, IOException e) {
    String fault;
    if (e instanceof NoSuchFileException) {
      fault = "no such file";
    } else if (e instanceof AccessDeniedException) {
      fault = "permission denied";
    } else if (Files.isDirectory(file)) {
      fault = "a directory, not a file";
    } else if (e instanceof CharacterCodingException) {
      fault = "not UTF-8 text";
    } else if (e instanceof JsonProcessingException parse) {
      JsonLocation at = parse.getLocation();
      fault =
          "not valid YAML or JSON"
              + (at == null || at.getLineNr() < 1
                  ? ""
                  : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
    } else {
      fault = "unreadable (" + e.getClass().getSimpleName() + ")";
    }
    return new ConfigException(what + " " + file + ": " + fault, e);
  }

  /** Line breaks in a message would split the one line {@code Main} prints. */
  private static String oneLine(String message) {
    return message == null ? null : message.replaceAll("\\R+", " ");
  }
}
