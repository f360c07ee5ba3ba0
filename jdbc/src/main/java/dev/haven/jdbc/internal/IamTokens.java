package dev.haven.jdbc.internal;

import com.zaxxer.hikari.util.Credentials;
import dev.haven.Endpoint;
import dev.haven.jdbc.JdbcKeys;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsUtilities;

/**
 * {@code auth=iam}: an RDS IAM authentication token per server (host and port of the instance endpoint the topology
 * names), signed locally by the SDK, kept until {@code auth.refresh} has passed (tokens are valid 15 minutes; the
 * refresh is at most 14) or the server refused it, so that every new connection presents a token that is still valid.
 */
final class IamTokens extends ConnectionCredentials {

    private record Token(String value, Instant made) {
    }

    private final String user;
    private final Duration refresh;
    private final Clock clock;
    private final RdsUtilities rds;
    private final DefaultCredentialsProvider owned; // closed with this source; a provider the application gave is its own
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    IamTokens(JdbcSettings settings) {
        this.user = settings.username();
        this.refresh = settings.keys().get(JdbcKeys.AUTH_REFRESH);
        this.clock = settings.clock();
        Object given = settings.awsCredentials();
        this.owned = given instanceof AwsCredentialsProvider ? null : DefaultCredentialsProvider.builder().build();
        AwsCredentialsProvider credentials = owned != null ? owned : (AwsCredentialsProvider) given;
        this.rds = RdsUtilities.builder().region(Region.of(region(settings, "iam"))).credentialsProvider(credentials).build();
    }

    @Override
    public Credentials get(Endpoint endpoint) {
        Instant now = clock.instant();
        Token t = tokens.compute(endpoint.id(), (id, old) -> old != null && now.isBefore(old.made().plus(refresh)) ? old
                : new Token(rds.generateAuthenticationToken(b -> b.hostname(endpoint.host()).port(endpoint.port())
                        .username(user)), now));
        return Credentials.of(user, t.value());
    }

    @Override
    public void refused(String endpointId) {
        tokens.remove(endpointId); // signed anew at the next connection (e.g. the SDK's credentials were rotated)
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }

    @Override
    public Instant madeAt(String endpointId) {
        Token t = tokens.get(endpointId);
        return t == null ? null : t.made();
    }
}
