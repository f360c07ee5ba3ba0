package dev.haven.jdbc.internal;

import dev.haven.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed {@code jdbc:postgresql://h1:p1,h2:p2/db?params} (or {@code jdbc:mariadb:}, {@code jdbc:mysql:}) URL: the seed
 * endpoints, the database and the parameters, which every per-endpoint URL keeps. A driver's own multi-host mode
 * ({@code jdbc:mariadb:sequential:}, {@code jdbc:mysql:replication:}...) is dropped: Haven does the routing, one server
 * per connection.
 */
public record JdbcUrl(String scheme, List<Endpoint> hosts, String database, String params) {

    /** Default ports of the schemes Haven knows; another scheme's URL must give every port. */
    private static final Map<String, Integer> DEFAULT_PORTS = Map.of("jdbc:postgresql", 5432, "jdbc:mysql", 3306,
            "jdbc:mariadb", 3306);

    private static final Pattern SCHEME = Pattern.compile("(jdbc:[a-z][a-z0-9:+.-]*)://");

    /** The driver modes of MariaDB and MySQL Connector/J that route across hosts themselves: dropped. */
    private static final Pattern HA_MODE = Pattern.compile(
            "(jdbc:(?:mariadb|mysql)):(?:sequential|loadbalance|load-balance|replication|aurora|failover)");

    /** A {@code jdbc:postgresql://}, {@code jdbc:mariadb://} or {@code jdbc:mysql://} URL: what the built-in providers talk to. */
    public static JdbcUrl parse(String property, String url) {
        JdbcUrl u = parseAny(property, url);
        if (u.dialect() == null) {
            throw new IllegalArgumentException(property + " must start with jdbc:postgresql://, jdbc:mariadb:// or jdbc:mysql:// "
                    + "(another database needs a custom topologyProvider): was " + redact(url));
        }
        return u;
    }

    /** The driver dialect of this URL's scheme, or {@code null} for a scheme without a built-in provider. */
    public SqlDialect dialect() {
        return SqlDialect.of(scheme);
    }

    /** A {@code jdbc:<scheme>://hosts/db?params} URL of any driver (with a custom topology provider). */
    public static JdbcUrl parseAny(String property, String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(property + " is required: was empty");
        }
        Matcher m = SCHEME.matcher(url);
        if (!m.lookingAt()) {
            throw new IllegalArgumentException(property + " must be jdbc:<driver>://host:port[,host:port...]/database: was "
                    + redact(url));
        }
        String scheme = m.group(1);
        Matcher ha = HA_MODE.matcher(scheme);
        if (ha.matches()) {
            scheme = ha.group(1);
        }
        Integer defaultPort = DEFAULT_PORTS.get(scheme);
        String rest = url.substring(m.end());
        int slash = rest.indexOf('/');
        String hostPart = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        String params = "";
        int q = path.indexOf('?');
        if (q >= 0) {
            params = path.substring(q + 1);
            path = path.substring(0, q);
        }
        if (hostPart.isEmpty()) {
            throw new IllegalArgumentException(property + " must name at least one host: was " + redact(url));
        }
        List<Endpoint> hosts = new ArrayList<>();
        for (String hp : hostPart.split(",")) {
            hosts.add(hostPort(property, hp.trim(), url, defaultPort));
        }
        return new JdbcUrl(scheme, List.copyOf(hosts), path, stripRoutingParams(params));
    }

    private static Endpoint hostPort(String property, String hp, String url, Integer defaultPort) {
        String host;
        String port = null;
        if (hp.startsWith("[")) {
            int end = hp.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException(property + " has an unterminated IPv6 address: was " + redact(url));
            }
            host = hp.substring(1, end);
            if (hp.length() > end + 1 && hp.charAt(end + 1) == ':') {
                port = hp.substring(end + 2);
            }
        } else {
            int colon = hp.lastIndexOf(':');
            host = colon < 0 ? hp : hp.substring(0, colon);
            port = colon < 0 ? null : hp.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException(property + " has an empty host: was " + redact(url));
        }
        if (port == null && defaultPort == null) {
            throw new IllegalArgumentException(property + " must give the port of every host (Haven knows no default port "
                    + "for this driver): was " + redact(url));
        }
        int p = port == null ? defaultPort : 0;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(property + " has a port that is not a number ('" + port + "'): was " + redact(url));
            }
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException(property + " port must be in 1..65535: was " + p);
            }
        }
        return Endpoint.of(host, p);
    }

    // Haven does the routing; pgjdbc's own multi-host routing would fight it.
    private static String stripRoutingParams(String params) {
        if (params.isEmpty()) {
            return params;
        }
        StringBuilder sb = new StringBuilder();
        for (String kv : params.split("&")) {
            String key = kv.contains("=") ? kv.substring(0, kv.indexOf('=')) : kv;
            if (key.equals("targetServerType") || key.equals("loadBalanceHosts") || key.equals("hostRecheckSeconds")
                    || key.isEmpty()) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(kv);
        }
        return sb.toString();
    }

    /** The URL for one endpoint. */
    public String forEndpoint(Endpoint e) {
        String host = e.host().contains(":") ? "[" + e.host() + "]" : e.host();
        return scheme + "://" + host + ":" + e.port() + "/" + database + (params.isEmpty() ? "" : "?" + params);
    }

    /** The URL with any {@code password=} parameter masked, fit for messages and logs. */
    public static String redact(String url) {
        return url == null ? null : url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
}
