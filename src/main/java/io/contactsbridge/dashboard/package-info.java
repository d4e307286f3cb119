/**
 * The dashboard at {@code /} for people (admin login): sync activity and API budget use over time (uPlot charts, the
 * WebJar served from the jar), backfill progress with ETA, automations and their last firings, open dead letters with
 * a Replay button, connections, and links to Hawtio and the JSON endpoints. The page frame is built in Java
 * ({@link io.contactsbridge.dashboard.DashboardPage}); {@code static/dashboard/dashboard.js} reads the admin API and
 * fills it, so the page shows only what that API shows. Settings: {@code config/dashboard.properties}.
 */
package io.contactsbridge.dashboard;
