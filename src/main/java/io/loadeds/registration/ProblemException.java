package io.loadeds.registration;

/**
 * Refuses the current request with a problem detail. Thrown by the parsing helpers before anything
 * is changed, and turned into the answer by {@link Json#guarded}.
 */
final class ProblemException extends RuntimeException {
  private final transient Problem problem;

  ProblemException(Problem problem) {
    super(problem.detail(), null, false, false); // control flow, not a fault: no stack trace
    this.problem = problem;
  }

  Problem problem() {
    return problem;
  }
}
