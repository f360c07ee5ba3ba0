package dev.haven.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Endpoint;
import dev.haven.engine.Durations;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SqlErrorsAndUrlTest {

    @Test
    void classifiesWhatHavenActsOn() {
        assertThat(SqlErrors.classify(new SQLException("reset", "08006"))).isEqualTo(SqlErrors.Kind.CONNECTION);
        assertThat(SqlErrors.classify(new SQLException("admin shutdown", "57P01"))).isEqualTo(SqlErrors.Kind.CONNECTION);
        assertThat(SqlErrors.classify(new SQLException("crash shutdown", "57P02"))).isEqualTo(SqlErrors.Kind.CONNECTION);
        assertThat(SqlErrors.classify(new SQLException("starting up", "57P03"))).isEqualTo(SqlErrors.Kind.CONNECTION);
        assertThat(SqlErrors.classify(new SQLException("io", null, new SocketTimeoutException()))).isEqualTo(SqlErrors.Kind.CONNECTION);
        assertThat(SqlErrors.classify(new SQLTransientConnectionException("pool timeout"))).isEqualTo(SqlErrors.Kind.CONNECTION);
        assertThat(SqlErrors.classify(new SQLException("read-only", "25006"))).isEqualTo(SqlErrors.Kind.READ_ONLY);
        assertThat(SqlErrors.classify(new SQLException("--read-only", "HY000", 1290))).isEqualTo(SqlErrors.Kind.READ_ONLY);
        assertThat(SqlErrors.classify(new SQLException("serialize", "40001"))).isEqualTo(SqlErrors.Kind.SERIALIZATION);
        assertThat(SqlErrors.classify(new SQLException("deadlock", "40P01"))).isEqualTo(SqlErrors.Kind.SERIALIZATION);
        assertThat(SqlErrors.classify(new SQLException("dup key", "23505"))).isEqualTo(SqlErrors.Kind.APPLICATION);
        assertThat(SqlErrors.classify(new SQLException("syntax", "42601"))).isEqualTo(SqlErrors.Kind.APPLICATION);
        SQLException chained = new SQLException("batch", "42000");
        chained.setNextException(new SQLException("reset", "08006"));
        assertThat(SqlErrors.classify(chained)).isEqualTo(SqlErrors.Kind.CONNECTION);
    }

    @Test
    void parsesMultiHostUrlsAndBuildsPerEndpointUrls() {
        JdbcUrl u = JdbcUrl.parse("p", "jdbc:postgresql://h1:5433,[::1]:5434,h3/app?sslmode=require&targetServerType=primary");
        assertThat(u.hosts()).extracting(Endpoint::id).containsExactly("h1:5433", "::1:5434", "h3:5432");
        assertThat(u.params()).isEqualTo("sslmode=require");
        assertThat(u.forEndpoint(u.hosts().get(1))).isEqualTo("jdbc:postgresql://[::1]:5434/app?sslmode=require");
        assertThat(JdbcUrl.redact("jdbc:postgresql://h/db?user=a&password=x&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?user=a&password=***&ssl=true");
    }

    @Test
    void parsesUrlsOfOtherDriversForCustomProviders() {
        JdbcUrl m = JdbcUrl.parseAny("p", "jdbc:mysql://m1,m2:3307/shop?useSSL=true");
        assertThat(m.scheme()).isEqualTo("jdbc:mysql");
        assertThat(m.hosts()).containsExactly(dev.haven.Endpoint.of("m1", 3306), dev.haven.Endpoint.of("m2", 3307));
        assertThat(m.forEndpoint(m.hosts().get(1))).isEqualTo("jdbc:mysql://m2:3307/shop?useSSL=true");
        assertThat(JdbcUrl.parseAny("p", "jdbc:sqlserver+x://h:1433/d").scheme()).isEqualTo("jdbc:sqlserver+x");
        assertThatThrownBy(() -> JdbcUrl.parseAny("p", "postgresql://h/db"))
                .hasMessage("p must be jdbc:<driver>://host:port[,host:port...]/database: was postgresql://h/db");
    }

    @Test
    void auroraInstanceHostPatternIsDerivedFromRdsEndpointsAsRdsNamesInstances() {
        java.util.function.Function<String, String> derive = host -> AuroraPostgresTopologyProvider.hostPattern(null,
                java.util.List.of(dev.haven.Endpoint.of(host, 5432)));
        assertThat(derive.apply("orders.cluster-c9akciq32.us-east-1.rds.amazonaws.com"))
                .isEqualTo("?.c9akciq32.us-east-1.rds.amazonaws.com");
        assertThat(derive.apply("orders.cluster-ro-c9akciq32.us-east-1.rds.amazonaws.com"))
                .isEqualTo("?.c9akciq32.us-east-1.rds.amazonaws.com");
        assertThat(derive.apply("reporting.cluster-custom-c9akciq32.eu-west-1.rds.amazonaws.com.cn"))
                .isEqualTo("?.c9akciq32.eu-west-1.rds.amazonaws.com.cn");
        assertThat(derive.apply("orders-1.c9akciq32.us-east-1.rds.amazonaws.com"))
                .isEqualTo("?.c9akciq32.us-east-1.rds.amazonaws.com");
        assertThat(AuroraPostgresTopologyProvider.hostPattern("?.db.test", java.util.List.of(dev.haven.Endpoint.of("x", 1))))
                .isEqualTo("?.db.test");
    }

    @Test
    void parsesDurations() {
        assertThat(Durations.parse("p", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("p", "1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("p", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("p", "PT0.1S")).isEqualTo(Duration.ofMillis(100));
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }
}
