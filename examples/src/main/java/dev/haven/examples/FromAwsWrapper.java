package dev.haven.examples;

import dev.haven.Consistency;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.jdbc.JdbcProvider;
import java.time.Duration;
import java.util.Properties;

/**
 * The README's "Coming from the AWS Advanced JDBC Wrapper" example: the same Aurora PostgreSQL cluster, first as the
 * wrapper is configured for it, then as Haven is. Compiled with the build and run against the testkit's Aurora
 * emulation by {@code FromAwsWrapperIT}.
 */
public final class FromAwsWrapper {

    private FromAwsWrapper() {
    }

    /**
     * Before: the wrapper's connection properties for {@code jdbc:aws-wrapper:postgresql://<cluster endpoint>/db}, as a
     * HikariCP data source passes them.
     */
    public static Properties awsWrapperProperties(String instanceHostPattern) {
        Properties p = new Properties();
        p.setProperty("wrapperPlugins", "failover2,efm2");        // failover and enhanced failure monitoring
        p.setProperty("wrapperDialect", "aurora-pg");
        p.setProperty("clusterInstanceHostPattern", instanceHostPattern);
        p.setProperty("failoverTimeoutMs", "30000");                // how long a failover may take
        p.setProperty("failureDetectionTime", "1000");              // efm2: a hung connection is found within ~1 s
        p.setProperty("failoverReaderHostSelectorStrategy", "random");
        return p;
    }

    /** After: Haven on the same cluster endpoint URL. */
    public static HavenDataSource haven(String clusterEndpointUrl, String user, String password, String instanceHostPattern) {
        return HavenDataSource.builder()
                .url(clusterEndpointUrl)                            // jdbc:postgresql:// instead of jdbc:aws-wrapper:postgresql://
                .username(user)
                .password(password)
                .provider(JdbcProvider.AURORA_POSTGRES)             // wrapperDialect=aurora-pg (auto detects it too)
                .auroraInstanceHostPattern(instanceHostPattern)     // clusterInstanceHostPattern (derived when omitted)
                .writerWait(Duration.ofSeconds(30))                 // failoverTimeoutMs: how long a write waits for a writer
                .probeTimeout(Duration.ofMillis(500))               // failureDetectionTime: a hung server is out within
                .probeInterval(Duration.ofMillis(500))              //   probe-interval + probe-timeout
                .defaultConsistency(Consistency.boundedStaleness(Duration.ofSeconds(2))) // no wrapper equivalent: a
                .build();                                           //   read-only connection never sees a reader > 2 s behind
    }
}
