package dev.haven.jdbc;

/**
 * Which kind of database and deployment a {@link HavenDataSource} talks to ({@code haven.jdbc.provider}): where the
 * topology comes from, what a probe asks, how lag is known.
 *
 * <pre>{@code
 * HavenDataSource ds = HavenDataSource.builder()
 *         .url("jdbc:postgresql://orders.cluster-c9akciq32.us-east-1.rds.amazonaws.com:5432/orders")
 *         .provider(JdbcProvider.AURORA_POSTGRES)
 *         .build();
 * }</pre>
 */
public enum JdbcProvider {
    /**
     * Detected at the first contact with a server, and logged. On a {@code jdbc:postgresql:} URL: an Aurora Global
     * Database when the server has {@code aurora_global_db_status()} listing two regions or more, Aurora PostgreSQL when
     * it has {@code aurora_replica_status()}, an RDS Multi-AZ DB cluster when it has {@code rds_tools.show_topology()},
     * else PostgreSQL streaming replication. On a {@code jdbc:mariadb:} or {@code jdbc:mysql:} URL: Aurora MySQL when
     * the server has {@code information_schema.replica_host_status}, MariaDB when {@code VERSION()} says so, else
     * MySQL.
     */
    AUTO,
    /**
     * PostgreSQL streaming replication (self-managed, RDS single instance with read replicas): roles from
     * {@code pg_is_in_recovery()}, split brain from timelines, lag measured by Haven from WAL positions, replicas
     * discovered from the primary's {@code pg_stat_replication}. Also accepted on an RDS Multi-AZ DB cluster, which is
     * streaming replication underneath (its topology function is then not used).
     */
    POSTGRES,
    /**
     * Aurora PostgreSQL: instances and their roles from {@code aurora_replica_status()}, each instance reached on its
     * instance endpoint ({@code aurora.instance-host-pattern}), never through the cluster endpoint, whose DNS may still
     * name the old writer after a failover; replica lag as Aurora reports it.
     */
    AURORA_POSTGRES,
    /**
     * An Aurora PostgreSQL Global Database: the instances of every region from {@code aurora_global_db_instance_status()},
     * each reached on its instance endpoint (its region's pattern in {@code aurora.global-instance-host-patterns}) and
     * labelled with its region. Writes go to the writer, in whichever region it is (a switchover or regional failover is
     * followed); reads stay in the home region ({@code local-region}, by default the region of the RDS endpoint in the
     * URL) and go to other regions only with {@code aurora.cross-region-reads}, within their bound; replica lag as Aurora
     * reports it ({@code visibility_lag_in_msec}).
     */
    AURORA_GLOBAL_POSTGRES,
    /**
     * An RDS Multi-AZ DB cluster (PostgreSQL): a writer and two readable standbys on streaming replication, so roles,
     * timelines and lag are PostgreSQL's, measured by Haven as for {@link #POSTGRES}; the instances come from
     * {@code rds_tools.show_topology()}, and the cluster and reader endpoints are only a way in, never routed to.
     */
    RDS_MULTI_AZ_POSTGRES,
    /**
     * MySQL replication (self-managed, RDS MySQL with read replicas): roles from {@code @@read_only},
     * {@code @@super_read_only}, {@code @@innodb_read_only} and {@code SHOW REPLICA STATUS}, replicas discovered from the
     * writer's {@code SHOW REPLICAS} (their {@code report_host}/{@code report_port}), executed GTIDs from
     * {@code @@gtid_executed}.
     */
    MYSQL,
    /**
     * MariaDB replication (self-managed, RDS MariaDB with read replicas): as {@link #MYSQL}, with MariaDB's variables
     * (no {@code super_read_only}; GTIDs from {@code @@gtid_binlog_pos} on the writer and {@code @@gtid_slave_pos} on a
     * replica) and {@code SHOW SLAVE HOSTS}.
     */
    MARIADB,
    /**
     * Aurora MySQL: instances and their roles from {@code information_schema.replica_host_status}, each instance reached
     * on its instance endpoint ({@code aurora.instance-host-pattern}), never through the cluster endpoint; the instance
     * that answers from {@code @@aurora_server_id}, its role from {@code @@innodb_read_only}; replica lag as Aurora
     * reports it ({@code REPLICA_LAG_IN_MILLISECONDS}).
     */
    AURORA_MYSQL
}
