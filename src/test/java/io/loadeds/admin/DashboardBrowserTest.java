package io.loadeds.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless browser (Debian's chromium driven by its chromedriver; {@code
 * .ci/run} installs both): it shows a registered endpoint, its load bar follows the load, and it
 * goes away on deregistration. Saves {@code target/dashboard.png}. Skipped, saying why, where the
 * browser is not installed.
 */
class DashboardBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private OpsServer ops;
  private WebDriver browser;
  private Path profile;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "no /usr/bin/chromium and /usr/bin/chromedriver: run .ci/run, or "
            + "apt-get install -y chromium chromium-driver, to test the dashboard in a browser");
    ops = new OpsServer();
    profile = Files.createTempDirectory("loadeds-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (ops != null) {
      ops.close();
    }
  }

  @Test
  void showsAnEndpointFollowsItsLoadAndDropsItWhenDeregistered() throws Exception {
    ops.register("shop", "backend-1", 8081, 4, 60);
    ops.active("shop", "backend-1", 1);

    browser.get(ops.base() + "/dashboard");

    await(() -> barWidth("backend-1").equals("25%"), "backend-1 at 1/4");
    assertThat(text("backend-1")).contains("10.0.0.81:8081", "eu/eu-1a", "admitted");

    ops.active("shop", "backend-1", 3);
    await(() -> barWidth("backend-1").equals("75%"), "backend-1 at 3/4");
    ops.register("shop", "backend-2", 8082, 2, 60);
    ops.active("shop", "backend-2", 2);
    await(() -> text("backend-2").contains("full"), "backend-2 full");
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.createDirectories(Path.of("target"));
    Files.write(Path.of("target", "dashboard.png"), png);

    assertThat(ops.send("DELETE", "/v1/clusters/shop/endpoints/backend-1", null).status())
        .isEqualTo(204);
    await(() -> rows("backend-1").isEmpty(), "backend-1 gone");
  }

  private List<WebElement> rows(String id) {
    return browser.findElements(By.cssSelector(".endpoint[data-id='" + id + "']"));
  }

  private String barWidth(String id) {
    List<WebElement> r = rows(id);
    return r.isEmpty()
        ? ""
        : r.get(0)
            .findElement(By.cssSelector(".bar > .fill"))
            .getDomAttribute("style")
            .replace("width:", "")
            .trim();
  }

  private String text(String id) {
    List<WebElement> r = rows(id);
    return r.isEmpty() ? "" : r.get(0).getText();
  }

  private void await(java.util.function.BooleanSupplier condition, String what) {
    new WebDriverWait(browser, Duration.ofSeconds(15))
        .withMessage(() -> what + "; the page was:\n" + browser.getPageSource())
        .ignoring(StaleElementReferenceException.class)
        .until(d -> condition.getAsBoolean());
  }
}
