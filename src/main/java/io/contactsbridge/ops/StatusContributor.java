package io.contactsbridge.ops;

/**
 * Adds fields to {@code GET /api/status}. Each feature that has something to report declares a
 * bean of this type; nothing else needs to change. Contributors must not put secrets in the report.
 */
@FunctionalInterface
public interface StatusContributor {

    void contribute(StatusReport report);
}
