package io.contactsbridge.ops;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Decides where Camel loads the YAML routes from, before Camel starts.
 * <ul>
 *   <li>{@code bridge.routes-pattern} set (e.g. {@code BRIDGE_ROUTES_PATTERN=file:/etc/contacts-bridge/routes/*.yaml}
 *       for a mounted ConfigMap): used as given; a {@code file:} folder that does not exist stops start-up
 *       with a message naming it, instead of Camel's bare NoSuchFileException.</li>
 *   <li>not set: {@code ./routes} (and its {@code automations/} folder) when the app runs from a checkout, otherwise the copy of {@code routes/}
 *       packaged in the jar, so {@code java -jar} works from any folder.</li>
 * </ul>
 */
public class RoutesLocation implements EnvironmentPostProcessor {

    static final String PROPERTY = "bridge.routes-pattern";
    static final String LOCAL = "file:routes/*.yaml,file:routes/automations/*.yaml";
    static final String PACKAGED = "classpath:routes/*.yaml,classpath:routes/automations/*.yaml";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        String configured = env.getProperty(PROPERTY);
        String pattern;
        if (StringUtils.hasText(configured)) {
            requireFolder(configured);
            pattern = configured;
        } else {
            pattern = Files.isDirectory(Path.of("routes")) ? LOCAL : PACKAGED;
        }
        env.getPropertySources().addFirst(new MapPropertySource("bridge-routes-location",
                Map.of("camel.main.routes-include-pattern", pattern, PROPERTY, pattern)));
    }

    /** Each comma-separated {@code file:} pattern must point into an existing folder. */
    static void requireFolder(String patterns) {
        for (String p : patterns.split(",")) {
            String pattern = p.trim();
            if (!pattern.startsWith("file:")) {
                continue;
            }
            String path = pattern.substring("file:".length());
            int wildcard = path.indexOf('*');
            Path folder = Path.of(wildcard >= 0 ? path.substring(0, Math.max(0, path.lastIndexOf('/', wildcard)) + 1) : path);
            Path dir = wildcard >= 0 ? folder : folder.getParent();
            if (dir != null && !dir.toString().isEmpty() && !Files.isDirectory(dir)) {
                throw new InvalidSettingException(PROPERTY, pattern,
                        "the folder " + dir.toAbsolutePath() + " does not exist",
                        "Create it with your YAML routes, mount the routes ConfigMap there, or unset "
                                + "BRIDGE_ROUTES_PATTERN to use the routes packaged with the bridge.");
            }
        }
    }
}
