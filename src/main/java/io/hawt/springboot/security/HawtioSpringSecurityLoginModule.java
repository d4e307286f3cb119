package io.hawt.springboot.security;

import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.security.auth.Subject;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.login.LoginException;
import javax.security.auth.spi.LoginModule;

import io.hawt.web.auth.AuthenticationConfiguration;
import io.hawt.web.auth.RolePrincipal;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Our own implementation of the JAAS login module that hawtio-springboot 5.2.0 loads by this exact
 * class name to switch on its Spring Security integration. Upstream ships it in the separate
 * {@code io.hawt:hawtio-springboot-security} artifact, which the registry we build from does not
 * serve; without a class of this name Hawtio silently ignores Spring Security and every console
 * login fails ("all modules ignored").
 *
 * <p>It runs after Spring's {@code SecurityContextLoginModule} (which turns the request's Spring
 * {@link Authentication} into the subject's principal) and adds one role principal per granted
 * authority, {@code ROLE_admin} becoming {@code admin}, so Hawtio's role check ({@code hawtio.roles})
 * sees the roles Spring Security granted. Delete this class if that artifact becomes available.
 */
public class HawtioSpringSecurityLoginModule implements LoginModule {

    private Subject subject;
    private AuthenticationConfiguration authConfig;
    private final List<Principal> added = new ArrayList<>();

    @Override
    public void initialize(Subject subject, CallbackHandler callbackHandler, Map<String, ?> sharedState,
                           Map<String, ?> options) {
        this.subject = subject;
        this.authConfig = (AuthenticationConfiguration) options.get(AuthenticationConfiguration.class.getName());
    }

    @Override
    public boolean login() {
        // Authentication already happened in Spring Security; nothing to check here.
        return true;
    }

    @Override
    public boolean commit() throws LoginException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null) {
            return false;
        }
        for (GrantedAuthority authority : auth.getAuthorities()) {
            String name = authority.getAuthority();
            if (name == null) {
                continue;
            }
            Principal role = rolePrincipal(name.startsWith("ROLE_") ? name.substring(5) : name);
            added.add(role);
            subject.getPrincipals().add(role);
        }
        return true;
    }

    private Principal rolePrincipal(String name) throws LoginException {
        Class<? extends Principal> type = authConfig != null ? authConfig.getDefaultRolePrincipalClass() : null;
        if (type == null || type == RolePrincipal.class) {
            return new RolePrincipal(name);
        }
        try {
            return type.getConstructor(String.class).newInstance(name);
        } catch (ReflectiveOperationException e) {
            LoginException failure = new LoginException("cannot create role principal " + type.getName());
            failure.initCause(e);
            throw failure;
        }
    }

    @Override
    public boolean abort() {
        return logout();
    }

    @Override
    public boolean logout() {
        if (subject != null) {
            subject.getPrincipals().removeAll(added);
        }
        added.clear();
        return true;
    }
}
