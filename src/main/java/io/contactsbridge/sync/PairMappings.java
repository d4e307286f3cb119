package io.contactsbridge.sync;

import io.contactsbridge.mapping.ContactMapping;
import org.springframework.stereotype.Component;

/**
 * Each pair's contact mapping: its own (two HighLevel locations have different custom fields), configured as
 * {@code bridge.pairs.<id>.mapping} or named when the pair was added through the API ({@link SyncPairs#mappingOf}),
 * else the bridge's ({@code bridge.sync.mapping}). Every file is read and checked before its pair is synced
 * ({@link PairMappingLoader}).
 */
@Component
public class PairMappings {

    private final ContactMapping defaults;
    private final SyncPairs pairs;

    public PairMappings(ContactMapping contactMapping, SyncPairs pairs) {
        this.defaults = contactMapping;
        this.pairs = pairs;
    }

    /** Every pair with {@code mapping} unless it has its own (tests). */
    public static PairMappings of(ContactMapping mapping, SyncPairs pairs) {
        return new PairMappings(mapping, pairs);
    }

    /** The pair's mapping; the bridge's for a pair without one of its own, or none of this bridge's. */
    public ContactMapping of(SyncPair pair) {
        return pairs.mappingOf(pair).map(PairMapping::mapping).orElse(defaults);
    }

    /** The mapping {@code pair} syncs by: {@code fallback} when there are no pair mappings (tests that build none). */
    static ContactMapping of(PairMappings mappings, ContactMapping fallback, SyncPair pair) {
        return mappings == null ? fallback : mappings.of(pair);
    }

    /** The bridge's mapping ({@code bridge.sync.mapping}). */
    public ContactMapping defaults() {
        return defaults;
    }
}
