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
import org.springframework.security.config.annotation.web.configuration.WebSecurityCustomizer;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.http.MediaType;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.header.HeaderWriterFilter;
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

import java.time.Clock;
import java.util.List;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.authentication.event.AbstractAuthenticationEvent;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestHeaderRequestMatcher;

import static org.springframework.security.config.Customizer.withDefaults;

/**
 * Who may call what. Everything needs the admin login except health probes, the endpoints that
 * third parties call and authenticate themselves (webhooks with signatures, OAuth callbacks with
 * state), and {@code /api/status} in sandbox mode. Hawtio authenticates through Spring Security.
 */
@Configuration
@EnableWebSecurity
@EnableConfigurationProperties(LoginThrottleProperties.class)
public class SecurityConfig {

    /** Paths that outside services call; each authenticates its caller by other means. */
    static final String[] SELF_AUTHENTICATED = {"/webhooks/**", "/oauth/callback/**"};

    /**
     * The webhook endpoints authenticate each request by its signature and carry no session, cookie or login: the
     * security filter chain has nothing to do there and is skipped entirely, which takes a good part of the cost
     * of a webhook off the intake path. (OAuth callbacks keep the chain: they end in a browser.)
     */
    @Bean
    public WebSecurityCustomizer webhooksOutsideTheSecurityChain() {
        return web -> web.ignoring().requestMatchers(PathPatternRequestMatcher.withDefaults().matcher("/webhooks/**"));
    }

    /**
     * Health probes: open to all; a caller that sends the right admin credentials sees the details, and one that
     * sends wrong ones is answered exactly as one that sends none (no 401 a probe could trip over, and no answer
     * that tells a right password from a wrong one beyond what the login throttle allows).
     */
    @Bean
    @Order(1)
    public SecurityFilterChain healthFilterChain(HttpSecurity http, LoginThrottle throttle, UserDetailsService users,
                                                 PasswordEncoder encoder) throws Exception {
        DaoAuthenticationProvider provider = new DaoAuthenticationProvider(users);
        provider.setPasswordEncoder(encoder);
        http.securityMatcher("/actuator/health", "/actuator/health/**")
                .authorizeHttpRequests(auth -> auth.anyRequest().permitAll())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(cache -> cache.disable())
                .csrf(csrf -> csrf.disable()) // read-only endpoints, GET only
                .addFilterBefore(new OptionalBasicAuthFilter(new ProviderManager(provider), throttle),
                        AnonymousAuthenticationFilter.class);
        return http.build();
    }

    @Bean
    @Order(2)
    public SecurityFilterChain filterChain(HttpSecurity http, BridgeProperties props, LoginThrottle throttle,
                                           @Value("${bridge.admin.trusted-origins:}") List<String> trustedOrigins)
            throws Exception {
        boolean sandbox = props.bridgeMode() == BridgeMode.SANDBOX;
        http.authorizeHttpRequests(auth -> {
            auth.requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info", "/error").permitAll();
            auth.requestMatchers(SELF_AUTHENTICATED).permitAll();
            if (sandbox) {
                auth.requestMatchers("/api/status").permitAll();
            }
            auth.anyRequest().authenticated();
        });
        // After a browser login without a saved request, land on the dashboard ("/"), which links the console.
        http.formLogin(form -> form.defaultSuccessUrl("/", false)).httpBasic(withDefaults());
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
        // Hawtio is a single-page app: it reads the CSRF token from a cookie and sends it in a header. Every
        // state-changing request of a browser session needs it (the admin API and Jolokia included). A request
        // that carries its own Authorization header (a script with Basic credentials) needs none: another site
        // cannot make a browser send one it chose, and one the browser remembers is caught by SameOriginFilter.
        // Webhooks and OAuth callbacks carry no session at all.
        http.csrf(csrf -> csrf
                .csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                .csrfTokenRequestHandler(new SpaCsrfTokenRequestHandler())
                .ignoringRequestMatchers(new OrRequestMatcher(new RequestHeaderRequestMatcher("Authorization"),
                        // No session, nothing to ride: such a request is answered 401 by the login, not 403 here.
                        request -> request.getSession(false) == null && !"/login".equals(request.getServletPath()),
                        PathPatternRequestMatcher.withDefaults().matcher("/webhooks/**"),
                        PathPatternRequestMatcher.withDefaults().matcher("/oauth/**"))));
        http.addFilterAfter(new CsrfCookieFilter(), BasicAuthenticationFilter.class);
        // Camel's platform-http answers on a worker thread while this request's thread may still be returning through
        // the filters: the security headers are written before the route runs, not when the answer is committed, so
        // the two threads never touch the response's headers at once (a fast /api route lost its answer that way).
        http.headers(headers -> headers.addObjectPostProcessor(new ObjectPostProcessor<HeaderWriterFilter>() {
            @Override
            public <O extends HeaderWriterFilter> O postProcess(O filter) {
                filter.setShouldWriteHeadersEagerly(true);
                return filter;
            }
        }));
        http.addFilterBefore(new SameOriginFilter(trustedOrigins, List.of("/webhooks/", "/oauth/callback/")),
                CsrfFilter.class);
        http.addFilterBefore(new LoginThrottleFilter(throttle), UsernamePasswordAuthenticationFilter.class);
        return http.build();
    }

    @Bean
    public LoginThrottle loginThrottle(LoginThrottleProperties throttle, BridgeProperties props) {
        return new LoginThrottle(throttle, props.admin() == null ? "admin" : props.admin().username(),
                Clock.systemUTC());
    }

    /** Counts the outcome of every admin login (form or Basic) for {@link LoginThrottle}. */
    @Bean
    public ApplicationListener<AbstractAuthenticationEvent> loginOutcomes(LoginThrottle throttle) {
        return event -> {
            Authentication auth = event.getAuthentication();
            String address = auth.getDetails() instanceof WebAuthenticationDetails web ? web.getRemoteAddress() : null;
            if (event instanceof AuthenticationFailureBadCredentialsEvent) {
                throttle.failed(address, auth.getName());
            } else if (event instanceof AuthenticationSuccessEvent) {
                throttle.succeeded(address, auth.getName());
            }
        };
    }

    /** bcrypt for the admin password, with recent successful checks remembered ({@link VerifiedPasswordCache}). */
    @Bean
    public PasswordEncoder passwordEncoder(@Value("${bridge.admin.remember-verified:5m}") java.time.Duration remember) {
        return new VerifiedPasswordCache(PasswordEncoderFactories.createDelegatingPasswordEncoder(), remember,
                Clock.systemUTC());
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
