package dev.haven.jdbc.internal;

import com.zaxxer.hikari.util.Credentials;
import dev.haven.Endpoint;
import dev.haven.jdbc.JdbcKeys;
import java.net.URI;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;

/**
 * {@code auth=secrets-manager}: username and password from a Secrets Manager secret, cached. Fetched anew after
 * {@code auth.refresh}, and when a server refuses a login (the secret was rotated): one fetch at a time, at most one a
 * second however many connections are refused, so a rotation is picked up without a restart and without a storm of
 * calls. Neither the secret nor the password ever reaches a log or a message.
 */
final class SecretsManagerSecret extends ConnectionCredentials {

    /** Fetches after a refusal are this far apart at least. */
    static final Duration MIN_REFETCH = Duration.ofSeconds(1);
    /** One fetch of the secret, retries included, takes at most this. */
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

    private record Secret(Credentials credentials, Instant fetched) {
    }

    private final String secretId;
    private final Duration refresh;
    private final Clock clock;
    private final SecretsManagerClient client;
    private volatile Secret secret;
    private volatile boolean refusedSince; // a server refused the cached secret since it was fetched
    private volatile long fetches;

    SecretsManagerSecret(JdbcSettings settings) {
        this.secretId = settings.keys().get(JdbcKeys.AUTH_SECRET_ID);
        this.refresh = settings.keys().get(JdbcKeys.AUTH_REFRESH);
        this.clock = settings.clock();
        // Bounded: a fetch holds the other connection attempts (single flight); a cached secret is kept if it fails.
        SecretsManagerClientBuilder b = SecretsManagerClient.builder().region(Region.of(region(settings, "secrets-manager")))
                .overrideConfiguration(o -> o.apiCallTimeout(FETCH_TIMEOUT).apiCallAttemptTimeout(FETCH_TIMEOUT));
        String endpoint = settings.keys().get(JdbcKeys.AUTH_SECRETS_MANAGER_ENDPOINT);
        if (endpoint != null) {
            b.endpointOverride(URI.create(endpoint));
        }
        if (settings.awsCredentials() instanceof AwsCredentialsProvider p) {
            b.credentialsProvider(p);
        }
        this.client = b.build();
    }

    @Override
    public Credentials get(Endpoint endpoint) throws SQLException {
        Secret s = secret;
        Instant now = clock.instant();
        if (s != null && !stale(s, now)) {
            return s.credentials();
        }
        synchronized (this) { // single flight: the threads that found it stale wait for one fetch
            s = secret;
            if (s != null && !stale(s, clock.instant())) {
                return s.credentials();
            }
            try {
                s = fetch();
            } catch (SdkException | IllegalArgumentException e) {
                if (secret != null) {
                    return secret.credentials(); // keep what worked: Secrets Manager out for a moment is no outage
                }
                throw new SQLException("haven.jdbc.auth=secrets-manager: the secret " + secretId + " could not be read ("
                        + e.getClass().getSimpleName() + ")", "08001", e instanceof SdkException ? null : e);
            }
            secret = s;
            refusedSince = false;
            return s.credentials();
        }
    }

    private boolean stale(Secret s, Instant now) {
        if (!now.isBefore(s.fetched().plus(refresh))) {
            return true;
        }
        return refusedSince && !now.isBefore(s.fetched().plus(MIN_REFETCH));
    }

    private Secret fetch() {
        String json = client.getSecretValue(r -> r.secretId(secretId)).secretString();
        fetches++;
        if (json == null) {
            throw new IllegalArgumentException("the secret " + secretId + " has no SecretString");
        }
        Map<String, JsonNode> fields;
        try {
            fields = JsonNode.parser().parse(json).asObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the secret " + secretId + " is not a JSON object"); // its text: never shown
        }
        JsonNode user = fields.get("username");
        JsonNode password = fields.get("password");
        if (user == null || !user.isString() || password == null || !password.isString()) {
            throw new IllegalArgumentException("the secret " + secretId + " must hold string fields username and password");
        }
        return new Secret(Credentials.of(user.asString(), password.asString()), clock.instant());
    }

    @Override
    public void refused(String endpointId) {
        refusedSince = true;
    }

    /** How many times the secret was read from Secrets Manager (tests: a rotation costs one or two, not a storm). */
    long fetches() {
        return fetches;
    }

    @Override
    public void close() {
        client.close();
    }
}
