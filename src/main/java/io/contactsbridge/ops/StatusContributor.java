package io.contactsbridge.ops;

/**
 * Adds fields to {@code GET /api/status}. Each feature that has something to report declares a
 * bean of this type; nothing else needs to change. Contributors must not put secrets in the report.
 */
@FunctionalInterface
public interface StatusContributor {

    void contribute(StatusReport report);

    /**
     * Whether it reads the store. While the store is unavailable those that do are left out of the status (which
     * then says {@code storeAvailable: false}), so the status still answers at once instead of waiting for the
     * main connection pool.
     */
    default boolean readsStore() {
        return true;
    }
}
