package dev.haven.benchmarks.stub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class StubDriverTest {

    private final StubDriver driver = new StubDriver();

    @Test
    void everyQueryAnswersOneRowWithTheIntegerOneReusingTheSameObjects() throws Exception {
        try (Connection c = driver.connect("jdbc:postgresql://127.0.0.1:1/db", new Properties())) {
            ResultSet first = null;
            for (int i = 0; i < 3; i++) {
                try (PreparedStatement ps = c.prepareStatement("SELECT ?")) {
                    ps.setInt(1, 1);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getInt(1)).isEqualTo(1);
                        assertThat(rs.next()).isFalse();
                        if (first == null) {
                            first = rs;
                        }
                        assertThat(rs).isSameAs(first);
                    }
                }
            }
        }
    }

    @Test
    void acceptsOnlyPostgresUrlsAndRefusesWhatItDoesNotImplement() throws Exception {
        assertThat(driver.acceptsURL("jdbc:postgresql://h:1,h:2/db")).isTrue();
        assertThat(driver.connect("jdbc:mysql://h/db", new Properties())).isNull();
        try (Connection c = driver.connect("jdbc:postgresql://h:1/db", new Properties())) {
            c.setNetworkTimeout(null, 1234);
            assertThat(c.getNetworkTimeout()).isEqualTo(1234);
            assertThat(c.isValid(1)).isTrue();
            assertThatThrownBy(c::getMetaData).isInstanceOf(SQLFeatureNotSupportedException.class);
        }
    }
}
