package dev.haven.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Giving a pooled connection back never throws: under load HikariCP 7's {@code close()} threw a
 * {@code NullPointerException} ("connection" is null, its pool entry closed by an eviction on another thread) and a
 * write failed with it instead of being classified (FailoverIT, WriterKillRepeatedIT on a busy machine).
 */
class ReleaseTest {

    private static Connection closingWith(RuntimeException or, SQLException sql, AtomicInteger closes) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (p, m, a) -> {
                    if (m.getName().equals("close")) {
                        closes.incrementAndGet();
                        if (or != null) {
                            throw or;
                        }
                        if (sql != null) {
                            throw sql;
                        }
                    }
                    return null;
                });
    }

    @Test
    void aConnectionWhoseCloseFailsIsReleasedWithoutThrowing() {
        AtomicInteger closes = new AtomicInteger();
        assertThatCode(() -> RoutingDataSource.release(closingWith(new NullPointerException("connection is null"), null, closes)))
                .doesNotThrowAnyException();
        assertThatCode(() -> RoutingDataSource.release(closingWith(null, new SQLException("broken", "08006"), closes)))
                .doesNotThrowAnyException();
        assertThatCode(() -> RoutingDataSource.release(closingWith(null, null, closes))).doesNotThrowAnyException();
        assertThat(closes.get()).as("close() called once per release").isEqualTo(3);
    }
}
