package dev.haven.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every JDBC method reaches the driver through Haven's wrappers: none is left to an interface default (which
 * would silently do nothing or throw), so a new JDBC method cannot slip past the routing and error handling.
 */
class WrapperCoverageTest {

    private static List<String> notOverridden(Class<?> iface, Class<?> impl) throws NoSuchMethodException {
        List<String> missing = new ArrayList<>();
        for (Method m : iface.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Method found = impl.getMethod(m.getName(), m.getParameterTypes());
            if (found.getDeclaringClass().isInterface()) {
                missing.add(m.getName());
            }
        }
        return missing;
    }

    @Test
    void everyConnectionStatementResultSetAndMetaDataMethodIsImplemented() throws Exception {
        assertThat(notOverridden(Connection.class, ConnectionHandler.class)).isEmpty();
        assertThat(notOverridden(Statement.class, HavenStatement.class)).isEmpty();
        assertThat(notOverridden(PreparedStatement.class, HavenPreparedStatement.class)).isEmpty();
        assertThat(notOverridden(CallableStatement.class, HavenCallableStatement.class)).isEmpty();
        assertThat(notOverridden(ResultSet.class, HavenResultSet.class)).isEmpty();
        assertThat(notOverridden(DatabaseMetaData.class, HavenDatabaseMetaData.class)).isEmpty();
        assertThat(Connection.class.getMethods().length + CallableStatement.class.getMethods().length).isGreaterThan(200);
    }
}
