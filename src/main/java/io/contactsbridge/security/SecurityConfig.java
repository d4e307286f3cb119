package io.contactsbridge.security;

import java.io.IOException;
import java.util.function.Supplier;

import io.contactsbridge.ops.BridgeMode;
import io.contactsbridge.ops.BridgeProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Set;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.http.MediaType;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationEntryPoint;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.AndRequestMatcher;
import org.springframework.security.web.util.matcher.AnyRequestMatcher;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.csrf.CsrfTokenRequestHandler;
import org.springframework.security.web.csrf.XorCsrfTokenRequestAttributeHandler;
import org.springframework.util.StringUtils;
import org.springframework.web.filter.OncePerRequestFilter;

import static org.springframework.security.config.Customizer.withDefaults;

/**
 * Who may call what. Everything needs the admin login except health probes, the endpoints that
 * third parties call and authenticate themselves (webhooks with signatures, OAuth callbacks with
 * state), and {@code /api/status} in sandbox mode. Hawtio authenticates through Spring Security.
 */
@Configuration
@EnableWebSecurity
public class SecurityConfig {

    /** Paths that outside services call; each authenticates its caller by other means. */
    static final String[] SELF_AUTHENTICATED = {"/webhooks/**", "/oauth/callback/**"};

    @Bean
    public SecurityFilterChain filterChain(HttpSecurity http, BridgeProperties props) throws Exception {
        boolean sandbox = props.bridgeMode() == BridgeMode.SANDBOX;
        http.authorizeHttpRequests(auth -> {
            auth.requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info", "/error").permitAll();
            auth.requestMatchers(SELF_AUTHENTICATED).permitAll();
            if (sandbox) {
                auth.requestMatchers("/api/status").permitAll();
            }
            auth.anyRequest().authenticated();
        });
        // After a browser login without a saved request, land on the console rather than "/".
        http.formLogin(form -> form.defaultSuccessUrl("/actuator/hawtio/", false)).httpBasic(withDefaults());
        // Scripts and API clients get 401 with a Basic challenge; only a browser asking for a page
        // (explicitly accepting text/html) is sent to the login form.
        MediaTypeRequestMatcher browserPage = new MediaTypeRequestMatcher(MediaType.TEXT_HTML);
        browserPage.setIgnoredMediaTypes(Set.of(MediaType.ALL));
        BasicAuthenticationEntryPoint basic = new BasicAuthenticationEntryPoint();
        basic.setRealmName("contacts-bridge");
        http.exceptionHandling(e -> e
                .defaultAuthenticationEntryPointFor(new LoginUrlAuthenticationEntryPoint("/login"),
                        new AndRequestMatcher(browserPage, new NegatedRequestMatcher(
                                PathPatternRequestMatcher.withDefaults().matcher("/api/**"))))
                .defaultAuthenticationEntryPointFor(basic, AnyRequestMatcher.INSTANCE));
        // Hawtio is a single-page app: it reads the CSRF token from a cookie. Machine-to-machine
        // endpoints (JSON API with basic auth, webhooks, OAuth callbacks) carry no browser session.
        http.csrf(csrf -> csrf
                .csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                .csrfTokenRequestHandler(new SpaCsrfTokenRequestHandler())
                .ignoringRequestMatchers("/api/**", "/webhooks/**", "/oauth/**"));
        http.addFilterAfter(new CsrfCookieFilter(), BasicAuthenticationFilter.class);
        return http.build();
    }

    @Bean
    public PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    /** The single admin login from {@code bridge.admin.*}; roles match what Hawtio expects. */
    @Bean
    public UserDetailsService users(BridgeProperties props, PasswordEncoder encoder) {
        BridgeProperties.Admin admin = props.admin();
        if (admin == null || !StringUtils.hasText(admin.password())) {
            // Live mode is stopped earlier by LiveSettingsCheck; this guards any other route here.
            throw new IllegalStateException("bridge.admin.password is not set");
        }
        return new InMemoryUserDetailsManager(User.withUsername(admin.username())
                .password(encoder.encode(admin.password()))
                .roles("admin", "viewer")
                .build());
    }

    /** Accepts the raw token from the header Hawtio sends, and the masked one from forms. */
    static final class SpaCsrfTokenRequestHandler extends CsrfTokenRequestAttributeHandler {
        private final CsrfTokenRequestHandler xor = new XorCsrfTokenRequestAttributeHandler();

        @Override
        public void handle(HttpServletRequest request, HttpServletResponse response, Supplier<CsrfToken> token) {
            xor.handle(request, response, token);
        }

        @Override
        public String resolveCsrfTokenValue(HttpServletRequest request, CsrfToken token) {
            return StringUtils.hasText(request.getHeader(token.getHeaderName()))
                    ? super.resolveCsrfTokenValue(request, token)
                    : xor.resolveCsrfTokenValue(request, token);
        }
    }

    /** Spring Security defers token creation; load it so the cookie is always set for Hawtio. */
    static final class CsrfCookieFilter extends OncePerRequestFilter {
        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            CsrfToken token = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
            if (token != null) {
                token.getToken();
            }
            chain.doFilter(request, response);
        }
    }
}
