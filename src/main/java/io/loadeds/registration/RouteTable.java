package io.loadeds.registration;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routes one {@link Router} got from this package, written as OpenAPI path templates ({@code
 * /v1/clusters/{cluster}}), so that a 405 can name the methods the path allows. One per router;
 * filled while mounting and only read afterwards, on that router's event loop.
 */
final class RouteTable {
  private record Entry(Pattern path, HttpMethod method) {}

  private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");

  private final Router router;
  private final List<Entry> entries = new ArrayList<>();

  RouteTable(Router router) {
    this.router = router;
  }

  /** Adds a route for {@code method} on {@code template}; the caller attaches its handlers. */
  Route add(HttpMethod method, String template) {
    StringBuilder regex = new StringBuilder();
    Matcher m = PARAM.matcher(template);
    int literal = 0;
    while (m.find()) {
      regex.append(Pattern.quote(template.substring(literal, m.start()))).append("[^/]+");
      literal = m.end();
    }
    regex.append(Pattern.quote(template.substring(literal)));
    entries.add(new Entry(Pattern.compile(regex.toString()), method));
    return router.route(method, PARAM.matcher(template).replaceAll(":$1"));
  }

  /** The methods routed for {@code path}, in the order they were added. */
  Set<HttpMethod> allowed(String path) {
    Set<HttpMethod> out = new LinkedHashSet<>();
    for (Entry e : entries) {
      if (e.path().matcher(path).matches()) {
        out.add(e.method());
      }
    }
    return out;
  }
}
