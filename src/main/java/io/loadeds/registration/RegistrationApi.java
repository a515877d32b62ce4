package io.loadeds.registration;

import io.loadeds.registry.Registry;
import io.vertx.ext.web.Router;

/** STUB: the REST registration API (being written). */
public final class RegistrationApi {
  private final Registry registry;
  private final ClusterVersions versions;
  private final int bodyLimitBytes;

  public RegistrationApi(Registry registry, ClusterVersions versions, int bodyLimitBytes) {
    this.registry = registry;
    this.versions = versions;
    this.bodyLimitBytes = bodyLimitBytes;
  }

  /** Adds the API's routes to {@code router}. */
  public void mount(Router router) {}
}
