package dev.haven.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import dev.haven.Position;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** What the MySQL/MariaDB provider reads from answers as the servers give them (no server). */
class MySqlTopologyProviderTest {

    private static final Executor DIRECT = Runnable::run;

    @Test
    void replicasFromMariaDbsShowSlaveHostsAndMySqlsShowReplicas() throws Exception {
        // MariaDB 10.11 SHOW SLAVE HOSTS: Server_id, Host, Port, Master_id
        ResultSet mariaDb = rows(new String[] {"Server_id", "Host", "Port", "Master_id"},
                new String[] {"2", "10.0.0.12", "3306", "1"}, new String[] {"3", "db-3.internal", "3307", "1"});
        assertThat(MySqlTopologyProvider.replicaRows(mariaDb)).extracting(Endpoint::id)
                .containsExactly("10.0.0.12:3306", "db-3.internal:3307");
        // MySQL 8.0.22+ SHOW REPLICAS: a replica without report_host has an empty Host and is skipped
        ResultSet mySql = rows(new String[] {"Server_Id", "Host", "Port", "Source_Id", "Replica_UUID"},
                new String[] {"2", "replica-a", "3306", "1", "3e11fa47-71ca-11e1-9e33-c80aa9429562"},
                new String[] {"3", "", "3306", "1", "4f22fa47-71ca-11e1-9e33-c80aa9429562"});
        assertThat(MySqlTopologyProvider.replicaRows(mySql)).extracting(Endpoint::id).containsExactly("replica-a:3306");
    }

    @Test
    void gtidsBecomeCorePositions() {
        JdbcUrl url = JdbcUrl.parse("p", "jdbc:mariadb://h:3306/db");
        MySqlTopologyProvider mariaDb = new MySqlTopologyProvider(url, ConnectionCredentials.fixed("u", "p"), DIRECT, true, "c");
        Position writer = mariaDb.position("0-1-42,1-2-7");
        assertThat(mariaDb.position("0-1-42,1-2-7").covers(writer)).isTrue();
        assertThat(mariaDb.position("0-1-41,1-2-9").covers(writer)).isFalse(); // domain 0 behind
        assertThat(mariaDb.position("not a gtid")).isNull(); // unknown, not a guess
        MySqlTopologyProvider mySql = new MySqlTopologyProvider(JdbcUrl.parse("p", "jdbc:mysql://h:3306/db"), ConnectionCredentials.fixed("u", "p"),
                DIRECT, false, "c");
        Position executed = mySql.position("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-57,\n4f22fa47-71ca-11e1-9e33-c80aa9429562:1-3");
        assertThat(mySql.position("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-50:52-60,4f22fa47-71ca-11e1-9e33-c80aa9429562:1-3")
                .covers(executed)).isFalse(); // transaction 51 is missing
        assertThat(mySql.position("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-60,4f22fa47-71ca-11e1-9e33-c80aa9429562:1-3")
                .covers(executed)).isTrue();
    }

    /** A forward-only result set over {@code data}, with the column labels the server gives. */
    private static ResultSet rows(String[] labels, String[]... data) {
        ResultSetMetaData md = (ResultSetMetaData) Proxy.newProxyInstance(ResultSetMetaData.class.getClassLoader(),
                new Class<?>[] {ResultSetMetaData.class}, (p, m, a) -> switch (m.getName()) {
                    case "getColumnCount" -> labels.length;
                    case "getColumnLabel", "getColumnName" -> labels[(Integer) a[0] - 1];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        int[] row = {-1};
        return (ResultSet) Proxy.newProxyInstance(ResultSet.class.getClassLoader(), new Class<?>[] {ResultSet.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getMetaData" -> md;
                    case "next" -> ++row[0] < data.length;
                    case "getString" -> data[row[0]][(Integer) a[0] - 1];
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
