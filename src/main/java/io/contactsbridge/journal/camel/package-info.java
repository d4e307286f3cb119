/**
 * The {@code journal:} Camel component: {@code journal:<consumer>?sources=...&eventTypes=...&partitions=N} is a
 * consumer endpoint that delivers the journal to its route, per contact in order, committing each event only after
 * the route succeeded. Every trigger Kamelet ({@code src/main/resources/kamelets/*-source.kamelet.yaml}) is one
 * {@code from: journal:...} and a {@code to: kamelet:sink}. The journal's rules (leases, back-off, what a commit
 * means) are in {@link io.contactsbridge.journal}; this package only drives them from Camel and shows each consumer's
 * figures as attributes of its endpoint in JMX (Hawtio).
 */
package io.contactsbridge.journal.camel;
