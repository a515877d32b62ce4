package io.loadeds.registry;

/**
 * One optional field of a partial update: absent (leave as is) or present with a value, where a
 * present {@code null} clears the field. Immutable.
 *
 * @param present whether the update touches the field
 * @param value the new value; {@code null} clears it
 * @param <T> the field's type
 */
public record Update<T>(boolean present, T value) {
  private static final Update<?> ABSENT = new Update<>(false, null);

  /** Leave the field as it is. */
  @SuppressWarnings("unchecked")
  public static <T> Update<T> absent() {
    return (Update<T>) ABSENT;
  }

  /** Set the field to {@code value} ({@code null} clears it). */
  public static <T> Update<T> of(T value) {
    return new Update<>(true, value);
  }

  /** The new value if present, else {@code current}. */
  public T apply(T current) {
    return present ? value : current;
  }
}
