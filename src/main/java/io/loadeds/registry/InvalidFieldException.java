package io.loadeds.registry;

/**
 * A registration or report was refused because one field is invalid; nothing was changed. The field
 * is named as in the JSON API so the edge can tell the client which one.
 */
public final class InvalidFieldException extends IllegalArgumentException {
  private final String field;

  public InvalidFieldException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The offending field, e.g. {@code port} or {@code locality.zone}. */
  public String field() {
    return field;
  }
}
