package io.contactsbridge.sync;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import io.contactsbridge.mapping.ContactMapping;
import io.contactsbridge.ops.InvalidSettingException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Each pair's contact mapping: its own ({@code bridge.pairs.<id>.mapping}, e.g. {@code file:/config/acme.yaml}: two
 * HighLevel locations have different custom fields) or the bridge's ({@code bridge.sync.mapping}). Every file is loaded
 * and checked at start-up, so a bad one stops the start with the setting, the line and the problem. Pairs added
 * through the API use the bridge's mapping.
 */
@Component
public class PairMappings {

    private final ContactMapping defaults;
    private final SyncPairs pairs;
    /** By pair id: only the pairs with a file of their own. */
    private final Map<String, ContactMapping> own;

    @Autowired
    public PairMappings(ContactMapping contactMapping, SyncPairs pairs, Environment environment, ResourceLoader resources) {
        this(contactMapping, pairs, load(Binder.get(environment).bind("bridge.pairs",
                Bindable.mapOf(String.class, SyncPairs.PairSettings.class)).orElse(Map.of()), resources));
    }

    private PairMappings(ContactMapping defaults, SyncPairs pairs, Map<String, ContactMapping> own) {
        this.defaults = defaults;
        this.pairs = pairs;
        this.own = Map.copyOf(own);
    }

    /** Every pair with {@code mapping} (tests). */
    public static PairMappings of(ContactMapping mapping, SyncPairs pairs) {
        return new PairMappings(mapping, pairs, Map.of());
    }

    /** The pair's mapping; the bridge's for a pair without one of its own, or none of this bridge's. */
    public ContactMapping of(SyncPair pair) {
        if (own.isEmpty() || pair == null) {
            return defaults;
        }
        return pairs.idOf(pair).map(own::get).orElse(defaults);
    }

    /** The mapping {@code pair} syncs by: {@code fallback} when there are no pair mappings (tests that build none). */
    static ContactMapping of(PairMappings mappings, ContactMapping fallback, SyncPair pair) {
        return mappings == null ? fallback : mappings.of(pair);
    }

    /** The bridge's mapping ({@code bridge.sync.mapping}). */
    public ContactMapping defaults() {
        return defaults;
    }

    /** The ids of the pairs that have a mapping of their own, with its source. */
    public Map<String, String> ownSources() {
        Map<String, String> out = new TreeMap<>();
        own.forEach((id, m) -> out.put(id, m.sourceName()));
        return out;
    }

    private static Map<String, ContactMapping> load(Map<String, SyncPairs.PairSettings> settings, ResourceLoader resources) {
        Map<String, ContactMapping> out = new LinkedHashMap<>();
        settings.forEach((id, s) -> {
            if (s == null || !StringUtils.hasText(s.mapping())) {
                return;
            }
            String location = s.mapping().trim();
            Resource resource = resources.getResource(location);
            if (!resource.exists()) {
                throw new InvalidSettingException("bridge.pairs." + id + ".mapping", location, "no such file",
                        "Point it at the pair's contact mapping YAML, e.g. file:/config/" + id + ".yaml, or remove it to use "
                                + "bridge.sync.mapping.");
            }
            out.put(id, ContactMapping.load(resource));
        });
        return out;
    }
}
