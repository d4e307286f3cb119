package io.contactsbridge.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

import javax.sql.DataSource;

import org.springframework.stereotype.Component;

/** Which database the store is on: {@code h2} (the default file database) or {@code postgresql}. */
@Component
public class StoreInfo {

    private final String kind;

    public StoreInfo(DataSource dataSource) {
        this.kind = detect(dataSource);
    }

    public String kind() {
        return kind;
    }

    static String detect(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
            if (product.contains("postgres")) {
                return "postgresql";
            }
            if (product.contains("h2")) {
                return "h2";
            }
            return product;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot reach the store to find out what it is: " + e.getMessage(), e);
        }
    }
}
