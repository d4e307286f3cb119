/**
 * Reports: durable hourly counts of what the bridge did per connection pair (sync writes per direction, failures,
 * unsubscribes, tag changes, automation firings) and per rate budget (API calls), counted in memory by
 * {@link io.contactsbridge.reports.ReportCounters} and written in batches; served as JSON and CSV at
 * {@code /api/reports}.
 */
package io.contactsbridge.reports;
