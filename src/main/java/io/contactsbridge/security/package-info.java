/**
 * The admin surface's protection: Spring Security chains for the admin API, Hawtio and Jolokia (form and Basic login,
 * CSRF for browser sessions, same-origin check), the login throttle, and the health endpoint's optional credentials.
 */
package io.contactsbridge.security;
