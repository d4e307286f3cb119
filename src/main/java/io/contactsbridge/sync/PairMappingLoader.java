package io.contactsbridge.sync;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.mapping.MappingException;
import io.contactsbridge.ops.AdminAnswer;
import io.contactsbridge.ops.InvalidSettingException;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Reads a pair's own contact mapping ({@link PairMapping}) with the checks of the bridge's ({@link ContactMapping#load}):
 * those of the configured pairs at start-up, and those named through the admin API when the pair is added and when a
 * replica reads the stored pair.
 */
@Component
public class PairMappingLoader {

    /** The longest location the API takes (column {@code sync_pair.mapping}). */
    static final int MAX_LOCATION = 500;
    /** Problems named in an answer: a file that is not a mapping at all has one per line. */
    private static final int MAX_PROBLEMS = 10;

    /** A mapping the API cannot use; the message says why, for the person who named it. */
    public static class UnusableMappingException extends IllegalArgumentException {
        UnusableMappingException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final ResourceLoader resources;

    public PairMappingLoader(ResourceLoader resources) {
        this.resources = resources;
    }

    /**
     * The mappings of the configured pairs that have one ({@code bridge.pairs.<id>.mapping}), by pair id. Any location
     * Spring reads, as for {@code bridge.sync.mapping}: whoever writes the configuration deploys the files too. A
     * missing file stops the start naming the setting; an invalid one with its lines ({@link MappingException}).
     */
    Map<String, PairMapping> configured(Map<String, SyncPairs.PairSettings> settings) {
        Map<String, PairMapping> out = new TreeMap<>();
        settings.forEach((id, s) -> {
            if (s != null && StringUtils.hasText(s.mapping())) {
                String location = s.mapping().trim();
                out.put(id, read(location, resources.getResource(location), () -> new InvalidSettingException(
                        "bridge.pairs." + id + ".mapping", location, "no such file", "Point it at the pair's contact mapping "
                        + "YAML, e.g. file:/config/" + id + ".yaml, or remove it to use bridge.sync.mapping.")));
            }
        });
        return out;
    }

    /**
     * A mapping named through the API, read when the pair is added and again by each replica that takes the stored pair
     * in. Only a {@code file:} or {@code classpath:} location of a {@code .yaml} or {@code .yml} file:
     * <ul>
     *   <li>every replica reads the file itself, so it belongs with the bridge's configuration: a file mounted on
     *       every replica (a ConfigMap) or one shipped in the jar;</li>
     *   <li>a URL ({@code http:}, {@code https:}, {@code ftp:}, {@code jar:}) would have each replica fetch whatever an
     *       admin request points at from inside the cluster's network, hold the pairs' refresh on a slow server and
     *       let replicas sync by different contents; a location without a prefix resolves against the servlet
     *       context, not a path anyone means;</li>
     *   <li>the file name must end in {@code .yaml} or {@code .yml} (as read, so a {@code #.yaml} fragment does not
     *       count): the answer to a file that is no mapping names its problems, and other files of the host
     *       ({@code /proc/self/environ}, keys) must not be read into it.</li>
     * </ul>
     *
     * @throws UnusableMappingException saying what is wrong: a refused location, no such file, or the mapping's
     *                                  problems with their lines
     */
    public PairMapping requested(String location) {
        String refusal = refusal(location);
        if (refusal != null) {
            throw new UnusableMappingException(refusal, null);
        }
        try {
            Resource resource = resources.getResource(location);
            String name = resource.getFilename() == null ? "" : resource.getFilename().toLowerCase(Locale.ROOT);
            if (!name.endsWith(".yaml") && !name.endsWith(".yml")) {
                throw new UnusableMappingException("the mapping must be a .yaml or .yml file, not '"
                        + AdminAnswer.abbreviate(location) + "'", null);
            }
            return read(location, resource, () -> new UnusableMappingException("the mapping file " + location
                    + " does not exist", null));
        } catch (UnusableMappingException e) {
            throw e;
        } catch (MappingException e) {
            throw new UnusableMappingException("the mapping " + location + " cannot be used: " + problems(e), e);
        } catch (RuntimeException e) {
            throw new UnusableMappingException("the mapping " + location + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static String refusal(String location) {
        if (location.length() > MAX_LOCATION) {
            return "the mapping location is longer than " + MAX_LOCATION + " characters";
        }
        if (!location.startsWith("file:") && !location.startsWith("classpath:")) {
            return "the mapping must be a file: or classpath: location, e.g. file:/config/acme.yaml, not '"
                    + AdminAnswer.abbreviate(location) + "': the bridge reads no mapping from elsewhere";
        }
        return null;
    }

    private static PairMapping read(String location, Resource resource, Supplier<RuntimeException> missing) {
        if (!resource.exists()) {
            throw missing.get();
        }
        return new PairMapping(location, ContactMapping.load(resource));
    }

    private static String problems(MappingException e) {
        String listed = e.problems().stream().limit(MAX_PROBLEMS)
                .map(p -> (p.line() > 0 ? "line " + p.line() + ": " : "") + p.message()).collect(Collectors.joining("; "));
        int more = e.problems().size() - MAX_PROBLEMS;
        return more > 0 ? listed + "; and " + more + " more" : listed;
    }
}
