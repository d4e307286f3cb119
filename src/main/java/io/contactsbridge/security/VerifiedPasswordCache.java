package io.contactsbridge.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * A {@link PasswordEncoder} that remembers, for a short while, that a password matched. The admin password is kept
 * as a bcrypt hash, and checking one costs ~75 ms of CPU by design; a script or monitor that calls the admin API with
 * Basic credentials pays that on every request (polling {@code /api/status} five times a second took a quarter of
 * the bridge's CPU during a large backfill). Only successes are remembered, so a wrong guess still pays the full
 * price (and {@link LoginThrottle}); what is remembered is an HMAC of the password and hash under a key made at
 * start-up and never stored, so the memory holds nothing that reveals or checks the password elsewhere.
 */
public final class VerifiedPasswordCache implements PasswordEncoder {

    /** Distinct (password, hash) pairs remembered at once; there is one admin, so a handful is plenty. */
    static final int MAX_ENTRIES = 16;

    private final PasswordEncoder delegate;
    private final Duration remember;
    private final Clock clock;
    private final SecretKeySpec key;
    private final Map<String, Long> verifiedUntil = new LinkedHashMap<>(MAX_ENTRIES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    public VerifiedPasswordCache(PasswordEncoder delegate, Duration remember, Clock clock) {
        this.delegate = delegate;
        this.remember = remember;
        this.clock = clock;
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    @Override
    public String encode(CharSequence rawPassword) {
        return delegate.encode(rawPassword);
    }

    @Override
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
        if (remember.isZero() || remember.isNegative() || rawPassword == null || encodedPassword == null) {
            return delegate.matches(rawPassword, encodedPassword);
        }
        String fingerprint = fingerprint(rawPassword, encodedPassword);
        long now = clock.millis();
        synchronized (verifiedUntil) {
            Long until = verifiedUntil.get(fingerprint);
            if (until != null && until > now) {
                return true;
            }
            verifiedUntil.remove(fingerprint);
        }
        boolean matches = delegate.matches(rawPassword, encodedPassword);
        if (matches) {
            synchronized (verifiedUntil) {
                verifiedUntil.put(fingerprint, now + remember.toMillis());
            }
        }
        return matches;
    }

    @Override
    public boolean upgradeEncoding(String encodedPassword) {
        return delegate.upgradeEncoding(encodedPassword);
    }

    private String fingerprint(CharSequence rawPassword, String encodedPassword) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(encodedPassword.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(rawPassword.toString().getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
