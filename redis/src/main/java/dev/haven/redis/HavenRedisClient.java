package dev.haven.redis;

import dev.haven.Endpoint;
import dev.haven.HavenSession;
import dev.haven.Topology;
import dev.haven.event.HavenEventListener;
import dev.haven.redis.internal.RedisRouting;
import dev.haven.redis.internal.RedisSettings;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Redis client over a replicated deployment — Sentinel, a static list of nodes, an ElastiCache primary endpoint, or
 * the regions of an ElastiCache Global Datastore ({@link Builder#globalDatastoreRegion}) —
 * that sends writes to the current primary and reads to a replica that satisfies the read's
 * {@link dev.haven.Consistency}, measured from replication offsets; follows failovers ({@code +switch-master},
 * polling, errors); and never re-sends a write whose outcome is unknown. Lettuce underneath: one
 * {@code RedisClient}, one shared connection per node.
 *
 * <pre>{@code
 * try (HavenRedisClient client = HavenRedisClient.builder()
 *         .sentinel("redis-sentinel://s1:26379,s2:26379,s3:26379#mymaster")
 *         .password(System.getenv("REDIS_PASSWORD"))
 *         .defaultConsistency(Consistency.boundedStaleness(Duration.ofMillis(500)))
 *         .build();
 *      HavenRedisConnection redis = client.connect()) {
 *     redis.sync().set("k", "v");
 *     String v = redis.reads(Consistency.SESSION).get("k");
 * }
 * }</pre>
 *
 * <p>Errors: {@link HavenRedisWriteOutcomeUnknownException} when a write may or may not have run,
 * {@link HavenRedisUnavailableException} when no node could take a command within {@code writer-wait}; both are
 * Lettuce {@code RedisException}s. Application errors ({@code WRONGTYPE}...) come through unchanged.
 */
public final class HavenRedisClient implements AutoCloseable {

    private final RedisRouting routing;

    private HavenRedisClient(RedisSettings settings) {
        this.routing = new RedisRouting(settings);
    }

    /**
     * The settings this client was built with: every {@link RedisKeys} value (given or default). Start another client
     * from them with {@code HavenRedisClient.builder().settings(client.settings())}.
     */
    public dev.haven.config.Settings settings() {
        return routing.settings().keys();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A new session (cheap: no socket of its own); its {@code SESSION} reads see the writes made through it. */
    public HavenRedisConnection connect() {
        return connect0(null);
    }

    /**
     * A new connection in {@code session}: its writes are recorded there under this client's cluster name
     * ({@code haven.redis.cluster-name}), and its {@code SESSION} reads see every write of the session on this cluster
     * &mdash; made through this connection, through others in the same session, or in earlier requests whose
     * {@link HavenSession#token() token} the session was continued from. One session serves JDBC, Redis and DynamoDB.
     *
     * <pre>{@code
     * HavenSession session = HavenSession.fromToken(request.getHeader("X-Haven-Session"));
     * try (HavenRedisConnection redis = client.connect(session)) {
     *     redis.sync().set("user:1", "x");
     * }
     * response.setHeader("X-Haven-Session", session.token());  // asks the primary's offset once, on the writing socket
     * // next request, maybe another instance of the application:
     * try (HavenRedisConnection redis = client.connect(HavenSession.fromToken(token))) {
     *     redis.reads(Consistency.SESSION).get("user:1");           // a replica that has the write, else the primary
     * }
     * }</pre>
     *
     * <p>A write is marked with the primary's epoch and its replication offset after the write. The offset is asked
     * lazily ({@code INFO replication} on the connection that wrote, once for a burst of writes) when the mark is first
     * needed: by {@link HavenSession#token()}, {@link HavenSession#mark} or a {@code SESSION} read. After a failover
     * (a new epoch) the session's reads go to the primary until it writes again; if the offset cannot be asked (the
     * primary is gone) the mark is one no replica reaches, which has the same effect.
     */
    public HavenRedisConnection connect(HavenSession session) {
        return connect0(Objects.requireNonNull(session, "session"));
    }

    private HavenRedisConnection connect0(HavenSession session) {
        if (routing.isClosed()) {
            throw new IllegalStateException("HavenRedisClient " + routing.settings().clusterName() + " is closed");
        }
        return new HavenRedisConnection(routing, session);
    }

    /** The current topology snapshot. */
    public Topology topology() {
        return routing.topology();
    }

    /**
     * How far each replica's data is behind the primary, as last measured by the topology monitor (the figure bounded
     * staleness reads are judged on), by endpoint id ({@code host:port}); a replica that is down or not measured yet is
     * absent. Read from the monitor's snapshot: no I/O, never waits, for health checks and dashboards.
     */
    public java.util.Map<String, java.time.Duration> replicaStaleness() {
        return routing.monitor().replicaStaleness();
    }

    /**
     * Each node's circuit breaker, by endpoint id: {@code closed} (in routing), {@code open} (kept out of routing
     * until {@code breaker.wait-in-open} has passed), {@code half-open} (trial calls). Read from the monitor's snapshot:
     * no I/O, never waits, for health checks and dashboards.
     */
    public java.util.Map<String, String> breakerStates() {
        return routing.monitor().breakerStates();
    }

    /** The near cache's counters, or empty when the client was built without {@link Builder#nearCache}. */
    public java.util.Optional<NearCacheStats> nearCacheStats() {
        return routing.nearCacheStats();
    }

    public void addListener(HavenEventListener listener) {
        routing.events().add(listener);
    }

    public void removeListener(HavenEventListener listener) {
        routing.events().remove(listener);
    }

    /**
     * Closes every connection, the Lettuce client and its threads, and releases the cluster's topology monitor (shared
     * with the other clients of the cluster in this JVM; it stops with the last of them).
     */
    @Override
    public void close() {
        routing.close();
    }

    @Override
    public String toString() {
        return routing.settings().toString();
    }

    /**
     * Builds a {@link HavenRedisClient}; {@link #build()} validates every setting and fails with a message naming the
     * property ({@code haven.redis.<name>}), the rule and the value.
     */
    public static final class Builder extends dev.haven.config.ReplicatedStoreBuilder<Builder> {

        static final String P = RedisKeys.SPEC.prefix();
        private static final String GLOBAL_DATASTORE = "global-datastore.";

        private final Map<String, List<String>> globalDatastore = new LinkedHashMap<>();
        private NearCacheConfig nearCache;
        private Object awsCredentials; // an AwsCredentialsProvider; Object so that no SDK class is needed without it
        private java.time.Clock authClock; // tests: the clock IAM tokens are signed with

        private Builder() {
            super(RedisKeys.SPEC);
        }

        @Override
        protected void family(dev.haven.config.SettingsSpec.Family family, String rest, String value, String key) {
            String v = value == null ? "" : value.trim();
            if (family == RedisKeys.GLOBAL_DATASTORE) {
                globalDatastoreRegion(rest, v.isEmpty() ? new String[0] : v.split("\\s*,\\s*"));
                return;
            }
            endpointLocationKey(rest, v, key);
        }

        /** {@code haven.redis.sentinel}: Lettuce's {@code redis-sentinel://host1:port1,host2:port2#masterName}. */
        public Builder sentinel(String uri) {
            return set(RedisKeys.SENTINEL, uri);
        }

        /** {@code haven.redis.nodes}: the primary and replicas as {@code host:port}; roles are discovered ({@code INFO replication}). */
        public Builder nodes(String... hostPorts) {
            List<String> all = new ArrayList<>(keys().get(RedisKeys.NODES) == null ? List.of() : keys().get(RedisKeys.NODES));
            all.addAll(List.of(hostPorts));
            return set(RedisKeys.NODES, List.copyOf(all));
        }

        /**
         * {@code haven.redis.primary-endpoint} / {@code reader-endpoint}: ElastiCache (cluster mode disabled) endpoints as
         * {@code host:port}; the reader endpoint may be {@code null}. Replicas are discovered from the primary.
         */
        public Builder elastiCache(String primaryEndpoint, String readerEndpoint) {
            return set(RedisKeys.PRIMARY_ENDPOINT, primaryEndpoint).set(RedisKeys.READER_ENDPOINT, readerEndpoint);
        }

        /**
         * {@code haven.redis.global-datastore.<region>} (comma-separated {@code host:port}): one region of an ElastiCache
         * Global Datastore (cluster mode disabled). Call it once per region, the primary region and every secondary
         * region, in any order, and name the region this application runs in with {@link #localZone}
         * ({@code haven.redis.region}), which must be one of them.
         *
         * <p>List each region's primary node (its read-only primary in a secondary region) as the region's nodes
         * announce themselves in {@code INFO replication}; replicas may be listed too, and are found otherwise: a node
         * that is not listed belongs to the region of the node it replicates from (only the links into a region's
         * primary cross regions).
         *
         * <ul>
         *   <li>Writes go to the global primary: the one node with {@code role:master}, found by probing every region
         *       (no Sentinel). After {@code failover-global-replication-group} the promoted region's primary is the only
         *       master once the old one replicates from it, and writes resume there.</li>
         *   <li>Reads stay in the local region (its replicas and its read-only primary) while a local node is up and within
         *       the read's bound; the lag is measured with replication offsets, which along the chain are in the global
         *       primary's offset space. When no local node qualifies (e.g. the cross-region link stalls) a read goes to
         *       another region's replicas, the nearest by measured latency first, then to the writer
         *       ({@code read-fallback=writer}, the default).</li>
         * </ul>
         *
         * <p>Replication between regions is asynchronous: a write acknowledged by the primary region but not yet
         * replicated is lost if the other region is promoted before it arrives. {@link HavenRedisConnection#awaitReplicas}
         * ({@code WAIT}) counts the global primary's direct replicas, which include the secondary regions' primaries.
         *
         * <pre>{@code
         * HavenRedisClient client = HavenRedisClient.builder()
         *         .globalDatastoreRegion("us-east-1", "10.0.1.10:6379", "10.0.1.11:6379")
         *         .globalDatastoreRegion("eu-west-1", "10.1.1.10:6379")
         *         .localZone("eu-west-1", "")          // this application runs in eu-west-1: reads stay there
         *         .defaultConsistency(Consistency.boundedStaleness(Duration.ofMillis(500)))
         *         .build();
         * }</pre>
         */
        public Builder globalDatastoreRegion(String region, String... hostPorts) {
            globalDatastore.computeIfAbsent(region, r -> new ArrayList<>()).addAll(List.of(hostPorts));
            return this;
        }

        /** {@code haven.redis.password}: of the data nodes (Sentinels are reached without); never logged. */
        public Builder password(String password) {
            return set(RedisKeys.PASSWORD, password);
        }

        /**
         * {@code haven.redis.tls=true}: TLS (ElastiCache in-transit encryption) on every connection Haven opens &mdash;
         * to the data nodes, the monitor's probes, and the Sentinels &mdash; trusting the JVM's trust store and checking
         * the host name ({@code tls-verify=full}). Lettuce's own TLS ({@code RedisURI#setSsl}, {@code SslOptions}); the
         * handshake is bounded by {@code connect-timeout}.
         *
         * <pre>{@code
         * HavenRedisClient client = HavenRedisClient.builder()
         *         .elastiCache("master.orders.abc123.use1.cache.amazonaws.com:6379", null)
         *         .password(System.getenv("REDIS_AUTH_TOKEN"))
         *         .tls()                                   // Amazon's CAs are in the JVM's trust store
         *         .build();
         * }</pre>
         */
        public Builder tls() {
            return set(RedisKeys.TLS, true);
        }

        /**
         * {@code haven.redis.tls=true} + {@code haven.redis.tls-ca-certificate}: TLS trusting only the CA certificate(s) in
         * {@code caCertificatePem} (a PEM file), e.g. a self-managed Redis with its own CA.
         */
        public Builder tls(java.nio.file.Path caCertificatePem) {
            return tls().set(RedisKeys.TLS_CA_CERTIFICATE, caCertificatePem == null ? null : caCertificatePem.toString());
        }

        /**
         * {@code haven.redis.tls-verify}: {@code FULL} (default) checks that the server's certificate chains to a trusted
         * CA and names the host connected to; {@code CA} checks the chain only (nodes announced by an address the
         * certificate does not name); {@code NONE} checks nothing (encrypted, not authenticated).
         */
        public Builder tlsVerify(io.lettuce.core.SslVerifyMode mode) {
            return set(RedisKeys.TLS_VERIFY, mode);
        }

        /** {@code haven.redis.username}: the ACL user of the data nodes (with {@code auth=iam}, the IAM-enabled user). */
        public Builder username(String username) {
            return set(RedisKeys.USERNAME, username);
        }

        /**
         * {@code haven.redis.auth}: how connections to data nodes log in ({@link RedisAuthentication}): the password, or
         * an ElastiCache IAM token for {@code username}, refreshed and re-sent on open connections.
         */
        public Builder auth(RedisAuthentication auth) {
            return set(RedisKeys.AUTH, Objects.requireNonNull(auth, "haven.redis.auth"));
        }

        /** {@code haven.redis.auth.region}: the AWS region of the cache, which signs IAM tokens. */
        public Builder authRegion(String region) {
            return set(RedisKeys.AUTH_REGION, region);
        }

        /** {@code haven.redis.auth.cache-name}: the replication group id (or serverless cache name) IAM tokens are for. */
        public Builder authCacheName(String cacheName) {
            return set(RedisKeys.AUTH_CACHE_NAME, cacheName);
        }

        /** {@code haven.redis.auth.serverless}: the cache is an ElastiCache Serverless cache (default false). */
        public Builder authServerless(boolean serverless) {
            return set(RedisKeys.AUTH_SERVERLESS, serverless);
        }

        /** {@code haven.redis.auth.refresh}: IAM tokens are made anew after this (default 10m, at most 14m). */
        public Builder authRefresh(Duration refresh) {
            return set(RedisKeys.AUTH_REFRESH, refresh);
        }

        /**
         * The AWS credentials that sign IAM tokens, instead of the SDK's default chain (environment, profile, container
         * or instance role). The application keeps it and closes it.
         */
        public Builder awsCredentials(software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials) {
            this.awsCredentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** Tests: the clock IAM tokens are signed with and aged by (default: the builder's clock). */
        Builder authClock(java.time.Clock clock) {
            this.authClock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** {@code haven.redis.username} + password: ACL user. */
        public Builder credentials(String username, String password) {
            return set(RedisKeys.USERNAME, username).password(password);
        }

        /**
         * {@code haven.redis.attempt-timeout}: one attempt of a command not answered within this fails (default 2s); a
         * read then moves to another node, a write surfaces as {@link HavenRedisWriteOutcomeUnknownException}.
         */
        public Builder attemptTimeout(Duration d) {
            return set(RedisKeys.ATTEMPT_TIMEOUT, d);
        }

        /**
         * {@code haven.redis.attempt-timeout}.
         *
         * @deprecated use {@link #attemptTimeout(Duration)}, the name every store uses
         */
        @Deprecated
        public Builder commandTimeout(Duration d) {
            return attemptTimeout(d);
        }

        /** {@code haven.redis.connect-timeout}: TCP connect + handshake (default 1s). */
        public Builder connectTimeout(Duration d) {
            return set(RedisKeys.CONNECT_TIMEOUT, d);
        }

        /** {@code haven.redis.request-queue-size}: commands queued per node connection before rejection (default 10000). */
        public Builder requestQueueSize(int size) {
            return set(RedisKeys.REQUEST_QUEUE_SIZE, size);
        }

        /** {@code haven.redis.keepalive-idle}: TCP keepalive idle time (probes every 1s, 3 tries) (default 5s). */
        public Builder keepAliveIdle(Duration d) {
            return set(RedisKeys.KEEPALIVE_IDLE, d);
        }

        /**
         * Turns on the near cache for {@code GET}s of {@code EVENTUAL} and {@code boundedStaleness} reads (see
         * {@link NearCacheConfig}); {@code null} (the default) turns it off.
         */
        public Builder nearCache(NearCacheConfig config) {
            this.nearCache = config;
            return this;
        }

        /** Validates the settings into the immutable form the engine uses (no I/O); visible for tests. */
        RedisSettings settings() {
            dev.haven.config.Settings values = checkedKeys();
            String sentinelUri = values.get(RedisKeys.SENTINEL);
            List<String> nodes = values.get(RedisKeys.NODES) == null ? List.of() : values.get(RedisKeys.NODES);
            String primaryEndpoint = values.get(RedisKeys.PRIMARY_ENDPOINT);
            String readerEndpoint = values.get(RedisKeys.READER_ENDPOINT);
            int sources = (sentinelUri != null ? 1 : 0) + (nodes.isEmpty() ? 0 : 1) + (primaryEndpoint != null ? 1 : 0)
                    + (globalDatastore.isEmpty() ? 0 : 1);
            if (sources != 1) {
                throw new IllegalArgumentException(P + "sentinel, " + P + "nodes, " + P + "primary-endpoint and " + P
                        + GLOBAL_DATASTORE + "<region>: exactly one must be given: was " + sources);
            }
            List<Endpoint> sentinels = List.of();
            String masterName = null;
            if (sentinelUri != null) {
                RedisURI uri;
                try {
                    uri = RedisURI.create(sentinelUri);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(P + "sentinel must be redis-sentinel://host:port[,host:port...]#master: was "
                            + withoutPassword(sentinelUri));
                }
                if (uri.getSentinels().isEmpty() || uri.getSentinelMasterId() == null || uri.getSentinelMasterId().isBlank()) {
                    throw new IllegalArgumentException(P + "sentinel must name Sentinels and a master (redis-sentinel://host:port#master): was "
                            + withoutPassword(sentinelUri));
                }
                sentinels = uri.getSentinels().stream().map(s -> Endpoint.of(s.getHost(), s.getPort())).toList();
                masterName = uri.getSentinelMasterId();
            }
            List<Endpoint> nodeList = new ArrayList<>();
            for (String n : nodes) {
                nodeList.add(hostPort("nodes", n));
            }
            Endpoint primary = primaryEndpoint == null ? null : hostPort("primary-endpoint", primaryEndpoint);
            Endpoint reader = readerEndpoint == null ? null : hostPort("reader-endpoint", readerEndpoint);
            if (reader != null && primary == null) {
                throw new IllegalArgumentException(P + "reader-endpoint needs " + P + "primary-endpoint: was " + readerEndpoint);
            }
            Map<String, String[]> locations = locations();
            for (String id : locations.keySet()) {
                hostPort("endpoint.<host:port>", id);
            }
            String region = values.get(RedisKeys.LOCAL_REGION);
            Map<String, List<Endpoint>> regions = globalDatastoreRegions(region);
            Map<String, String[]> located = new LinkedHashMap<>(locations);
            regions.forEach((r, endpoints) -> endpoints.forEach(e -> {
                String[] loc = locations.get(e.id());
                if (loc != null && !loc[0].isEmpty() && !loc[0].equals(r)) {
                    throw new IllegalArgumentException(P + "endpoint." + e.id() + " region must be " + r + " (its " + P
                            + GLOBAL_DATASTORE + "<region>): was " + loc[0]);
                }
                located.put(e.id(), new String[] {r, loc == null ? "" : loc[1]});
            }));
            checkTls(values);
            checkAuth(values, Builder.class.getClassLoader());
            return new RedisSettings(values, sentinels, masterName, List.copyOf(nodeList), primary, reader, Map.copyOf(located),
                    listeners(), ticker(), clock(), nearCache, regions, awsCredentials, authClock);
        }

        /**
         * The TLS keys: the CA file is read now (a missing or unreadable file fails the build, not every connection
         * later), and neither the CA nor the verify mode is given without TLS (the application would believe it is
         * encrypted).
         */
        private void checkTls(dev.haven.config.Settings values) {
            boolean tls = dev.haven.redis.internal.TlsOptions.on(values);
            String ca = values.get(RedisKeys.TLS_CA_CERTIFICATE);
            if (!tls) {
                for (dev.haven.config.Setting<?> k : List.of(RedisKeys.TLS_CA_CERTIFICATE, RedisKeys.TLS_VERIFY)) {
                    if (values.isGiven(k)) {
                        throw new IllegalArgumentException(P + k.key() + " needs " + P + "tls=true (or a rediss-sentinel:// "
                                + P + "sentinel): was tls=false with " + k.key() + " given");
                    }
                }
                return;
            }
            if (ca != null) {
                String why = dev.haven.redis.internal.TlsOptions.checkPem(ca);
                if (why != null) {
                    throw new IllegalArgumentException(P + "tls-ca-certificate must be a readable PEM file of X.509 certificates: was "
                            + ca + " (" + why + ")");
                }
            }
        }

        /**
         * What {@code haven.redis.auth=iam} needs, without I/O: the SDK artifacts that sign tokens (looked up in
         * {@code loader}), the user, the region, the cache name, and no password (each connection presents a token).
         * The {@code auth.*} keys are not given without it (the application would believe IAM is on).
         */
        static void checkAuth(dev.haven.config.Settings values, ClassLoader loader) {
            if (values.get(RedisKeys.AUTH) != RedisAuthentication.IAM) {
                for (dev.haven.config.Setting<?> k : List.of(RedisKeys.AUTH_REGION, RedisKeys.AUTH_CACHE_NAME,
                        RedisKeys.AUTH_SERVERLESS, RedisKeys.AUTH_REFRESH)) {
                    if (values.isGiven(k)) {
                        throw new IllegalArgumentException(P + k.key() + " needs " + P + "auth=iam: was auth="
                                + RedisKeys.AUTH.format(values.get(RedisKeys.AUTH)) + " with " + k.key() + " given");
                    }
                }
                return;
            }
            requireClass(loader, "software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner", "software.amazon.awssdk:http-auth-aws");
            requireClass(loader, "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider", "software.amazon.awssdk:auth");
            String user = values.get(RedisKeys.USERNAME);
            if (user == null || user.isBlank()) {
                throw new IllegalArgumentException(P + "auth=iam needs " + P + "username (the IAM-enabled ElastiCache user, "
                        + "whose user id and name are the same): was not set");
            }
            if (values.get(RedisKeys.AUTH_REGION) == null) {
                throw new IllegalArgumentException(P + "auth=iam needs " + P + "auth.region (the cache's AWS region, e.g. "
                        + "us-east-1, which signs the tokens): was not set");
            }
            if (values.get(RedisKeys.AUTH_CACHE_NAME) == null) {
                throw new IllegalArgumentException(P + "auth=iam needs " + P + "auth.cache-name (the replication group id or "
                        + "serverless cache name the tokens are signed for): was not set");
            }
            if (values.get(RedisKeys.PASSWORD) != null) {
                throw new IllegalArgumentException(P + "password is not used with " + P + "auth=iam (each connection presents "
                        + "an IAM token): was set; remove it");
            }
        }

        /** {@code haven.redis.auth=iam} needs {@code artifact}: fail at build time, naming both, when it is absent. */
        private static void requireClass(ClassLoader loader, String className, String artifact) {
            try {
                Class.forName(className, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalArgumentException(P + "auth=iam needs " + artifact + " on the class path (add it to the "
                        + "application's dependencies): " + className + " was not found");
            }
        }

        /** Validates the Global Datastore regions (none: an empty map) and the local region among them. */
        private Map<String, List<Endpoint>> globalDatastoreRegions(String region) {
            if (globalDatastore.isEmpty()) {
                return Map.of();
            }
            String name = P + GLOBAL_DATASTORE + "<region>";
            if (globalDatastore.size() < 2) {
                throw new IllegalArgumentException(name + " must name at least 2 regions (the primary region and a secondary one): was "
                        + globalDatastore.keySet());
            }
            Map<String, List<Endpoint>> out = new LinkedHashMap<>();
            Map<String, String> regionOf = new LinkedHashMap<>();
            for (var entry : globalDatastore.entrySet()) {
                String r = entry.getKey();
                if (r == null || !r.matches("[A-Za-z0-9._-]{1,64}")) {
                    throw new IllegalArgumentException(name + " region must match [A-Za-z0-9._-]{1,64}: was '" + r + "'");
                }
                if (entry.getValue().isEmpty()) {
                    throw new IllegalArgumentException(P + GLOBAL_DATASTORE + r + " must list at least the region's primary as host:port: was empty");
                }
                List<Endpoint> endpoints = new ArrayList<>();
                for (String hp : entry.getValue()) {
                    Endpoint e = hostPort(GLOBAL_DATASTORE + r, hp);
                    String other = regionOf.putIfAbsent(e.id(), r);
                    if (other != null) {
                        throw new IllegalArgumentException(P + GLOBAL_DATASTORE + r + " must not list a node twice: was '" + hp
                                + "', already in " + P + GLOBAL_DATASTORE + other);
                    }
                    endpoints.add(e);
                }
                out.put(r, List.copyOf(endpoints));
            }
            if (!out.containsKey(region)) {
                throw new IllegalArgumentException(P + "local-region must be one of the Global Datastore's regions " + out.keySet()
                        + " (reads stay in it): was '" + region + "'");
            }
            return java.util.Collections.unmodifiableMap(out);
        }

        /** {@code uri} for a message: a user and password in it ({@code redis://user:pass@host}) replaced by {@code ****}. */
        static String withoutPassword(String uri) {
            return uri == null ? null : uri.replaceAll("(?<=//)[^/@#]*@", "****@").replaceAll("^[^/@#]*:[^/@#]*@", "****@");
        }

        /**
         * Validates every setting, starts the topology monitor (its first probe round runs before this returns, so
         * routing works at once) and subscribes to Sentinel's {@code +switch-master}, or joins the monitor another client
         * of the same cluster runs in this JVM.
         *
         * @throws IllegalArgumentException naming the property, the rule and the value; also when the cluster is
         *         already monitored in this JVM with other {@code probe-interval}, {@code fast-probe-interval},
         *         {@code probe-timeout} or {@code endpoint.*} settings
         * @throws HavenRedisUnavailableException if no Sentinel answers
         */
        public HavenRedisClient build() {
            return new HavenRedisClient(settings());
        }

        private static Endpoint hostPort(String name, String value) {
            if (value == null || !value.matches("[^:\\s]+:\\d{1,5}")) {
                throw new IllegalArgumentException(P + name + " must be host:port: was '" + withoutPassword(value) + "'");
            }
            int colon = value.lastIndexOf(':');
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(P + name + " port must be in 1..65535: was '" + withoutPassword(value) + "'");
            }
            return Endpoint.of(value.substring(0, colon), port);
        }

    }
}
