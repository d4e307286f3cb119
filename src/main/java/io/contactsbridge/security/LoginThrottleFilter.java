package io.contactsbridge.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a login attempt (the login form's POST, or any request carrying Basic credentials) with 429 and
 * {@code Retry-After} while its address or the admin user waits after too many wrong passwords
 * ({@link LoginThrottle}). The password is not checked then, so a guessing run learns nothing while it waits.
 */
public class LoginThrottleFilter extends OncePerRequestFilter {

    private final LoginThrottle throttle;

    public LoginThrottleFilter(LoginThrottle throttle) {
        this.throttle = throttle;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> user = attemptedUser(request);
        if (user.isPresent()) {
            Optional<Duration> wait = throttle.waitFor(request.getRemoteAddr(), user.get());
            if (wait.isPresent()) {
                long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
                response.setStatus(429);
                response.setHeader("Retry-After", Long.toString(seconds));
                response.setContentType("application/json");
                response.getWriter().write("{\"error\":\"too_many_login_attempts\",\"message\":\"Too many wrong "
                        + "passwords; try again in " + seconds + " s.\"}");
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /** The user name a request tries to log in as, if it tries to log in at all. */
    static Optional<String> attemptedUser(HttpServletRequest request) {
        if ("POST".equals(request.getMethod()) && "/login".equals(request.getServletPath())) {
            String name = request.getParameter("username");
            return Optional.of(name == null ? "" : name);
        }
        return basicUser(request.getHeader("Authorization"));
    }

    static Optional<String> basicUser(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return Optional.of(colon < 0 ? decoded : decoded.substring(0, colon));
        } catch (IllegalArgumentException e) {
            return Optional.of("");
        }
    }
}
