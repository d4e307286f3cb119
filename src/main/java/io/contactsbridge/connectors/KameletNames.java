package io.contactsbridge.connectors;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Kamelet names are lower-case kebab-case ending in {@code -source}, {@code -sink} or {@code -action}, as Kubernetes
 * resource names and Kamelet catalogs require. Two action names generated from HighLevel's operation ids were not
 * ({@code highlevel-delete-Business-action}, {@code highlevel-get-contacts-by-businessId-action}); their old names
 * stay for one release as thin alias Kamelets that call the new one, and using one logs a deprecation WARN naming
 * the new name, once for each route created from it.
 */
@Configuration(proxyBeanMethods = false)
public class KameletNames {

    private static final Logger LOG = LoggerFactory.getLogger(KameletNames.class);

    /** A valid Kamelet name: lower-case words joined by '-', ending in its type. */
    public static final Pattern VALID = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*-(source|sink|action)");

    /**
     * The lower-case kebab-case form of a name: a capital after a letter or digit starts a word
     * ({@code businessId} → {@code business-id}), every capital becomes small ({@code Business} → {@code business}).
     */
    public static String canonical(String name) {
        String words = name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").replace('_', '-');
        return words.toLowerCase(Locale.ROOT).replaceAll("-{2,}", "-");
    }

    @Bean
    CamelContextConfiguration deprecatedKameletNameWarnings() {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camel) {
                camel.addLifecycleStrategy(new DeprecatedNames(camel));
            }

            @Override
            public void afterApplicationStart(CamelContext camel) {
                // nothing to do once started
            }
        };
    }

    /** Warns when a route is created from a Kamelet whose name is not canonical (one of the old names). */
    static final class DeprecatedNames extends LifecycleStrategySupport {
        private final CamelContext camel;
        private final Set<String> warned = ConcurrentHashMap.newKeySet();

        DeprecatedNames(CamelContext camel) {
            this.camel = camel;
        }

        @Override
        public void onRoutesAdd(Collection<Route> routes) {
            Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
            for (Route route : routes) {
                RouteDefinition definition = route.isCreatedByKamelet() && model != null
                        ? model.getRouteDefinition(route.getRouteId()) : null;
                Map<String, Object> parameters = definition == null ? null : definition.getTemplateParameters();
                // The Kamelet component passes the Kamelet's name and the route using it as template parameters.
                if (parameters == null || !(parameters.get("templateId") instanceof String name)) {
                    continue;
                }
                String current = canonical(name);
                if (!current.equals(name) && warned.add(route.getRouteId())) {
                    LOG.warn("Kamelet '{}' is deprecated and accepted until the next release only: use '{}' (its route {})",
                            name, current, route.getRouteId());
                }
            }
        }
    }
}
