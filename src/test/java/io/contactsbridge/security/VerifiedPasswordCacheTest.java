package io.contactsbridge.security;

import io.contactsbridge.support.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

class VerifiedPasswordCacheTest {

    /** Counts the slow checks the cache lets through. */
    static final class CountingEncoder implements PasswordEncoder {
        final PasswordEncoder bcrypt = PasswordEncoderFactories.createDelegatingPasswordEncoder();
        final AtomicInteger checks = new AtomicInteger();

        @Override
        public String encode(CharSequence raw) {
            return bcrypt.encode(raw);
        }

        @Override
        public boolean matches(CharSequence raw, String encoded) {
            checks.incrementAndGet();
            return bcrypt.matches(raw, encoded);
        }
    }

    final CountingEncoder slow = new CountingEncoder();
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T00:00:00Z"));
    final String hash = slow.encode("right-password");

    @Test
    void aRightPasswordIsCheckedOnceWhileRemembered() {
        VerifiedPasswordCache cache = new VerifiedPasswordCache(slow, Duration.ofMinutes(5), clock);
        for (int i = 0; i < 10; i++) {
            assertThat(cache.matches("right-password", hash)).isTrue();
        }
        assertThat(slow.checks).hasValue(1);

        clock.advance(Duration.ofMinutes(5));
        assertThat(cache.matches("right-password", hash)).isTrue();
        assertThat(slow.checks).as("checked again once the time is up").hasValue(2);
    }

    @Test
    void aWrongPasswordIsNeverRemembered() {
        VerifiedPasswordCache cache = new VerifiedPasswordCache(slow, Duration.ofMinutes(5), clock);
        assertThat(cache.matches("right-password", hash)).isTrue();
        for (int i = 0; i < 3; i++) {
            assertThat(cache.matches("wrong-password", hash)).isFalse();
        }
        assertThat(cache.matches("right-password" + " ", hash)).isFalse();
        assertThat(slow.checks).as("every wrong guess pays the full check").hasValue(5);
    }

    @Test
    void aNewHashIsNotMatchedByTheOldPassword() {
        VerifiedPasswordCache cache = new VerifiedPasswordCache(slow, Duration.ofMinutes(5), clock);
        assertThat(cache.matches("right-password", hash)).isTrue();
        String changed = slow.encode("new-password");
        assertThat(cache.matches("right-password", changed)).isFalse();
        assertThat(cache.matches("new-password", changed)).isTrue();
    }

    @Test
    void zeroChecksEveryTime() {
        VerifiedPasswordCache cache = new VerifiedPasswordCache(slow, Duration.ZERO, clock);
        assertThat(cache.matches("right-password", hash)).isTrue();
        assertThat(cache.matches("right-password", hash)).isTrue();
        assertThat(slow.checks).hasValue(2);
    }
}
