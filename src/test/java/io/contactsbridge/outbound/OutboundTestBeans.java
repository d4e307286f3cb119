package io.contactsbridge.outbound;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.contactsbridge.auth.AccessTokenProvider;
import io.contactsbridge.auth.ConnectionAuthException;
import io.contactsbridge.auth.ServiceType;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/** Test doubles for {@link OutboundAppTest}; @Primary so they win over the real beans when those exist. */
@TestConfiguration(proxyBeanMethods = false)
class OutboundTestBeans {

    @Bean
    @Primary
    FakeTokens outboundFakeTokens() {
        return new FakeTokens();
    }

    @Bean
    @Primary
    MutableTargets outboundMutableTargets() {
        return new MutableTargets();
    }

    /**
     * The application declares its registry-backed targets primary too; in these tests the targets
     * above must be the only primary ones, so the others step back.
     */
    @Bean
    static BeanFactoryPostProcessor onlyTestTargetsArePrimary() {
        return beanFactory -> {
            for (String name : beanFactory.getBeanNamesForType(OutboundTargets.class, true, false)) {
                if (!name.equals("outboundMutableTargets") && beanFactory.containsBeanDefinition(name)) {
                    beanFactory.getBeanDefinition(name).setPrimary(false);
                }
            }
        };
    }

    /** Tokens per connection; a refresh hands out "<old>-refreshed" unless told to fail. */
    static final class FakeTokens implements AccessTokenProvider {
        private final Map<String, String> current = new ConcurrentHashMap<>();
        private final Map<String, Boolean> refusing = new ConcurrentHashMap<>();
        final List<String> refreshes = java.util.Collections.synchronizedList(new ArrayList<>());
        /** The connections whose calls were answered 2xx, in order. */
        final List<String> accepted = java.util.Collections.synchronizedList(new ArrayList<>());

        void set(String connectionId, String token) {
            current.put(connectionId, token);
            refusing.remove(connectionId);
        }

        void refuseRefresh(String connectionId) {
            refusing.put(connectionId, true);
        }

        @Override
        public String accessToken(String connectionId) {
            String token = current.get(connectionId);
            if (token == null) {
                throw new ConnectionAuthException(connectionId, "connection " + connectionId + " is not connected");
            }
            return token;
        }

        @Override
        public String refreshAfterRejection(String connectionId, String rejectedToken) {
            refreshes.add(connectionId + ":" + rejectedToken);
            if (refusing.containsKey(connectionId)) {
                throw new ConnectionAuthException(connectionId, "the refresh token was revoked; reconnect");
            }
            String fresh = rejectedToken + "-refreshed";
            current.put(connectionId, fresh);
            return fresh;
        }

        @Override
        public void tokenAccepted(String connectionId) {
            accepted.add(connectionId);
        }
    }

    /** Connections registered by the tests, pointing at their fake upstreams. */
    static final class MutableTargets implements OutboundTargets {
        private final Map<String, OutboundTarget> targets = new ConcurrentHashMap<>();

        void put(String connectionId, ServiceType service, String baseUrl) {
            targets.put(connectionId, new OutboundTarget(connectionId, service, baseUrl));
        }

        @Override
        public OutboundTarget resolve(String connectionId) {
            OutboundTarget target = targets.get(connectionId);
            if (target == null) {
                throw new OutboundRequestException("unknown connection " + connectionId);
            }
            return target;
        }
    }
}
