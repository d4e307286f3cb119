package io.contactsbridge.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Basic credentials that only add to what an open endpoint shows (the health details): right ones authenticate the
 * request, wrong or unreadable ones are ignored and the request goes on as if it had sent none. Wrong ones still
 * count towards the login throttle, and while the caller waits its credentials are not checked at all, so this
 * endpoint is no faster way to guess the password than the login.
 */
class OptionalBasicAuthFilter extends OncePerRequestFilter {

    private final AuthenticationManager manager;
    private final LoginThrottle throttle;

    OptionalBasicAuthFilter(AuthenticationManager manager, LoginThrottle throttle) {
        this.manager = manager;
        this.throttle = throttle;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        String address = request.getRemoteAddr();
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                decoded = null;
            }
            int colon = decoded == null ? -1 : decoded.indexOf(':');
            if (colon >= 0) {
                String user = decoded.substring(0, colon);
                if (throttle.waitFor(address, user).isEmpty()) {
                    try {
                        Authentication auth = manager.authenticate(
                                UsernamePasswordAuthenticationToken.unauthenticated(user, decoded.substring(colon + 1)));
                        SecurityContextImpl context = new SecurityContextImpl(auth);
                        SecurityContextHolder.setContext(context);
                        throttle.succeeded(address, user);
                    } catch (AuthenticationException wrong) {
                        throttle.failed(address, user);
                    }
                }
            }
        }
        chain.doFilter(request, response);
    }
}
