package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Endpoint;
import dev.haven.jdbc.internal.ConnectionCredentials;
import dev.haven.jdbc.internal.JdbcSettings;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

class ConnectionCredentialsTest {

    private static final String RDS_URL = "jdbc:postgresql://orders.cluster-c9akciq32.us-east-1.rds.amazonaws.com:5432/app";
    private static final StaticCredentialsProvider AWS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));


    @Test
    void iamTokensAreTheSdksSignedUrlsPerServerAndNoneOutlivesItsFifteenMinutesOverASimulatedHour() throws Exception {
        dev.haven.testkit.SettableClock clock = new dev.haven.testkit.SettableClock(Instant.parse("2026-12-01T00:00:00Z"));
        JdbcSettings settings = HavenDataSource.builder().url(RDS_URL).username("app").auth(JdbcAuthentication.IAM)
                .awsCredentials(AWS).clock(clock).settings();
        Endpoint a = Endpoint.of("orders-1.c9akciq32.us-east-1.rds.amazonaws.com", 5432);
        Endpoint b = Endpoint.of("orders-2.c9akciq32.us-east-1.rds.amazonaws.com", 5432);
        try (ConnectionCredentials iam = ConnectionCredentials.of(settings)) {
            String token = iam.get(a).getPassword();
            assertThat(iam.get(a).getUsername()).isEqualTo("app");
            assertThat(token).startsWith("orders-1.c9akciq32.us-east-1.rds.amazonaws.com:5432/?")
                    .contains("Action=connect", "DBUser=app", "X-Amz-Algorithm=AWS4-HMAC-SHA256",
                            "X-Amz-Credential=AKIDEXAMPLE%2F", "%2Fus-east-1%2Frds-db%2Faws4_request", "X-Amz-Expires=900")
                    .matches(".*X-Amz-Signature=[0-9a-f]{64}$");
            assertThat(iam.get(b).getPassword()).as("a token per server").startsWith("orders-2.").isNotEqualTo(token);

            // One simulated hour in 10 s steps: every connection made gets a token younger than 15 minutes. (The SDK
            // signs with the real clock, which hardly moves here: the token's age is the one Haven's cache keeps.)
            java.util.Set<String> made = new java.util.HashSet<>();
            int expired = 0;
            int connections = 0;
            Duration oldest = Duration.ZERO;
            for (int step = 0; step <= 360; step++) {
                for (Endpoint e : new Endpoint[] {a, b}) {
                    iam.get(e);
                    connections++;
                    Instant madeAt = iam.madeAt(e.id());
                    made.add(e.id() + "@" + madeAt);
                    Duration age = Duration.between(madeAt, clock.instant());
                    oldest = age.compareTo(oldest) > 0 ? age : oldest;
                    if (age.compareTo(Duration.ofMinutes(15)) >= 0) {
                        expired++;
                    }
                }
                clock.advance(Duration.ofSeconds(10));
            }
            System.out.printf("IAM over a simulated hour: %d connections, %d tokens made, oldest handed out %s, expired %d%n",
                    connections, made.size(), oldest, expired);
            assertThat(expired).as("connections given an expired token").isZero();
            assertThat(oldest).isLessThanOrEqualTo(Duration.ofMinutes(10)); // auth.refresh default
            assertThat(made).as("tokens made: one per server per 10 minutes, not one per connection").hasSizeBetween(12, 16);

            Instant before = iam.madeAt(a.id());
            clock.advance(Duration.ofSeconds(1));
            iam.refused(a.id());
            iam.get(a);
            assertThat(iam.madeAt(a.id())).as("a refused token is made anew").isAfter(before);
        }
    }

    @Test
    void eachAuthenticationKindRefusesWhatItCannotUseNamingTheKeyAndTheValue() {
        assertThatThrownBy(() -> HavenDataSource.builder().url(RDS_URL).auth(JdbcAuthentication.IAM).settings())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("haven.jdbc.auth=iam needs haven.jdbc.username (the database user granted rds_iam): was not set");
        assertThatThrownBy(() -> HavenDataSource.builder().url(RDS_URL).username("app").password("pw")
                .auth(JdbcAuthentication.IAM).settings())
                .hasMessage("haven.jdbc.password is not used with haven.jdbc.auth=iam (each connection presents an IAM "
                        + "token): was set; remove it")
                .hasMessageNotContaining("pw");
        assertThatThrownBy(() -> HavenDataSource.builder().url("jdbc:postgresql://10.0.0.5:5432/app").username("app")
                .auth(JdbcAuthentication.IAM).settings())
                .hasMessageStartingWith("haven.jdbc.auth=iam needs haven.jdbc.auth.region: no RDS host name");
        assertThatThrownBy(() -> HavenDataSource.builder().url(RDS_URL).auth(JdbcAuthentication.SECRETS_MANAGER)
                .settings())
                .hasMessage("haven.jdbc.auth=secrets-manager needs haven.jdbc.auth.secret-id (the secret's name or ARN): "
                        + "was not set");
        assertThatThrownBy(() -> HavenDataSource.builder().url(RDS_URL).authRegion("Europe").settings())
                .hasMessageContaining("haven.jdbc.auth.region must be an AWS region name like us-east-1")
                .hasMessageContaining("Europe");
        assertThatThrownBy(() -> HavenDataSource.builder().url(RDS_URL).authSecretsManagerEndpoint("vpce-1").settings())
                .hasMessageContaining("haven.jdbc.auth.secrets-manager-endpoint must be an absolute http(s) URL");
        assertThatThrownBy(() -> HavenDataSource.builder().url(RDS_URL).authRefresh(Duration.ofMinutes(20)).settings())
                .hasMessageContaining("haven.jdbc.auth.refresh must be <= 14m");
        assertThat(HavenDataSource.builder().url("jdbc:postgresql://10.0.0.5:5432/app").username("app")
                .auth(JdbcAuthentication.SECRETS_MANAGER).authSecretId("prod/app").authRegion("eu-west-1").settings())
                .isNotNull();
    }
}
