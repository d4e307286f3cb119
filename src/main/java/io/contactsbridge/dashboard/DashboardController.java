package io.contactsbridge.dashboard;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.auth.ServiceType;
import io.contactsbridge.ops.AppVersion;
import io.contactsbridge.ops.BridgeProperties;
import io.contactsbridge.ops.InvalidSettingException;
import io.contactsbridge.outbound.OutboundProperties;
import io.contactsbridge.outbound.UpstreamCall;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * {@code GET /}: the dashboard page (admin login, as everything but the probes and webhooks). A page for people, not
 * an API, so it is a Spring MVC handler beside the static files it loads ({@code /dashboard/*}, the uPlot WebJar
 * under {@code /webjars/}) rather than a Camel route. The page is built here with what only the server knows (version,
 * mode, the rate budgets' configured limits, the automation routes and whether they run); its script reads the
 * figures from the admin API the page links to, so it shows nothing that {@code /api/status}, {@code /api/reports}
 * and {@code /api/dead-letters} do not.
 */
@Controller
public class DashboardController {

    /** Automation routes are named so (README "Automations: write your own"). */
    static final String AUTOMATION_PREFIX = "automation-";

    private final AppVersion version;
    private final BridgeProperties bridge;
    private final OutboundProperties outbound;
    private final CamelContext camel;
    private final ObjectMapper json;
    private final Duration refresh;
    private final int deadLetters;
    private final String hawtioPath;

    public DashboardController(AppVersion version, BridgeProperties bridge, OutboundProperties outbound,
                               CamelContext camel, ObjectMapper json,
                               @Value("${bridge.dashboard.refresh-interval:15s}") Duration refresh,
                               @Value("${bridge.dashboard.dead-letters:20}") int deadLetters,
                               @Value("${management.endpoints.web.base-path:/actuator}") String actuatorPath) {
        if (refresh.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new InvalidSettingException("bridge.dashboard.refresh-interval", refresh.toString(),
                    "the dashboard would ask the admin API too often", "Set it to 2s or more (default 15s).");
        }
        if (deadLetters < 1 || deadLetters > 500) {
            throw new InvalidSettingException("bridge.dashboard.dead-letters", Integer.toString(deadLetters),
                    "it is how many open dead letters the dashboard lists", "Set it from 1 to 500 (default 20).");
        }
        this.version = version;
        this.bridge = bridge;
        this.outbound = outbound;
        this.camel = camel;
        this.json = json;
        this.refresh = refresh;
        this.deadLetters = deadLetters;
        this.hawtioPath = (actuatorPath.endsWith("/") ? actuatorPath : actuatorPath + "/") + "hawtio/";
    }

    @GetMapping("/")
    public ResponseEntity<String> dashboard(HttpServletRequest request) throws JsonProcessingException {
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        String html = DashboardPage.html(new DashboardPage.Model(version.get(), bridge.bridgeMode().id(),
                bridge.instance().id(), request.getContextPath(), hawtioPath, csrf, json.writeValueAsString(config())));
        return ResponseEntity.ok()
                .contentType(new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8))
                .cacheControl(CacheControl.noStore())
                // Only the page's own files; uPlot sets inline styles on its elements.
                .header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                        + "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                        + "frame-ancestors 'none'")
                .body(html);
    }

    /** What the script needs besides the admin API: refresh period, list size, budget capacities, automations. */
    Map<String, Object> config() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("refreshSeconds", refresh.toSeconds());
        config.put("deadLetters", deadLetters);
        Map<String, Object> budgets = new LinkedHashMap<>();
        for (ServiceType service : ServiceType.values()) {
            List<Map<String, Object>> windows = new ArrayList<>();
            outbound.service(service).rate().windows().entrySet().stream()
                    .sorted(Map.Entry.comparingByValue(Comparator.comparing(OutboundProperties.Window::period)))
                    .forEach(w -> windows.add(Map.of("name", w.getKey(), "limit", w.getValue().limit(),
                            "periodSeconds", w.getValue().period().toMillis() / 1000.0)));
            budgets.put(UpstreamCall.id(service), Map.of("service", service.displayName(), "windows", windows));
        }
        config.put("budgets", budgets);
        List<Map<String, Object>> automations = new ArrayList<>();
        // The automation's own route, not the routes its trigger Kamelet creates (automation-<name>-source).
        camel.getRoutes().stream().filter(r -> !r.isCreatedByKamelet() && !r.isCreatedByRouteTemplate())
                .map(Route::getRouteId).filter(id -> id.startsWith(AUTOMATION_PREFIX)).sorted()
                .forEach(id -> {
                    ServiceStatus status = camel.getRouteController().getRouteStatus(id);
                    automations.add(Map.of("id", id, "running", status != null && status.isStarted()));
                });
        config.put("automations", automations);
        return config;
    }
}
