package io.contactsbridge.security;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How hard the admin login makes guessing passwords ({@code bridge.admin.login-throttle.*}).
 *
 * @param freeFailuresPerAddress wrong logins one client address may make before it has to wait
 * @param freeFailuresPerUser    wrong logins for the admin user (from anywhere) before everyone has to wait; higher,
 *                               so that one guessing address does not lock the admin out by itself
 * @param firstWait              the wait after the first failure beyond the free ones; it doubles with each further one
 * @param maxWait                the longest wait
 * @param forgetAfter            a key with no failure for this long starts again from zero
 * @param maxAddresses           client addresses remembered at most (the oldest are forgotten first), so a flood of
 *                               addresses cannot grow memory without bound
 */
@ConfigurationProperties(prefix = "bridge.admin.login-throttle")
public record LoginThrottleProperties(
        @DefaultValue("5") int freeFailuresPerAddress,
        @DefaultValue("20") int freeFailuresPerUser,
        @DefaultValue("1s") Duration firstWait,
        @DefaultValue("5m") Duration maxWait,
        @DefaultValue("1h") Duration forgetAfter,
        @DefaultValue("10000") int maxAddresses) {
}
