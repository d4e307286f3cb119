package io.contactsbridge.simulator.highlevel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.contactsbridge.simulator.sim.SimClock;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HighLevel simulator's businesses, by location. Part of {@link HighLevelState}, under its lock; which contacts
 * belong to a business is the contacts' {@code businessId} ({@link HighLevelContacts}).
 */
final class HighLevelBusinesses {

    private final Object lock;
    private final SimClock clock;
    private final HighLevelIds ids;
    private final HighLevelCatalogue catalogue;
    private final Map<String, BusinessRecord> businesses = new LinkedHashMap<>();

    HighLevelBusinesses(Object lock, SimClock clock, HighLevelIds ids, HighLevelCatalogue catalogue) {
        this.lock = lock;
        this.clock = clock;
        this.ids = ids;
        this.catalogue = catalogue;
    }

    /** The business, if the location owns it; called under the lock. */
    BusinessRecord requireBusiness(String locationId, String businessId) {
        BusinessRecord business = businesses.get(businessId);
        if (business == null) {
            throw HighLevelErrors.badRequest("Business with id " + businessId + " not found");
        }
        if (!business.locationId.equals(locationId)) {
            throw HighLevelErrors.forbiddenLocation();
        }
        return business;
    }

    /** Whether a business of any location has this id; called under the lock. */
    boolean exists(String businessId) {
        return businesses.containsKey(businessId);
    }

    List<ObjectNode> businesses(String locationId, int limit, int skip) {
        synchronized (lock) {
            return businesses.values().stream().filter(b -> b.locationId.equals(locationId)).skip(skip).limit(limit)
                    .map(BusinessRecord::toJson).toList();
        }
    }

    ObjectNode business(String locationId, String businessId) {
        synchronized (lock) {
            return requireBusiness(locationId, businessId).toJson();
        }
    }

    /** Creates ({@code businessId} null) or updates a business from validated string fields. */
    ObjectNode saveBusiness(String locationId, String businessId, Map<String, String> fields, String source) {
        synchronized (lock) {
            Instant now = clock.now();
            BusinessRecord business;
            if (businessId == null) {
                catalogue.location(locationId);
                business = new BusinessRecord(ids.nextObjectId(now.getEpochSecond()), locationId, now, source);
                businesses.put(business.id, business);
            } else {
                business = requireBusiness(locationId, businessId);
                business.updatedAt = now;
                business.updatedBySource = source;
            }
            fields.forEach((field, value) -> {
                if (value == null) {
                    business.strings.remove(field);
                } else {
                    business.strings.put(field, value);
                }
            });
            return business.toJson();
        }
    }

    /** Removes a business the location owns; the caller detaches its contacts. */
    void removeBusiness(String locationId, String businessId) {
        synchronized (lock) {
            requireBusiness(locationId, businessId);
            businesses.remove(businessId);
        }
    }

    /** Forgets every business; called under the lock. */
    void clear() {
        businesses.clear();
    }
}
