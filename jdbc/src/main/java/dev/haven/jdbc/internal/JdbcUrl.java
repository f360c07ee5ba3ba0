package dev.haven.jdbc.internal;

import dev.haven.Endpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed {@code jdbc:postgresql://h1:p1,h2:p2/db?params} URL: the seed endpoints, the database and
 * the parameters, which every per-endpoint URL keeps.
 */
public record JdbcUrl(String scheme, List<Endpoint> hosts, String database, String params) {

    private static final int DEFAULT_PG_PORT = 5432;

    public static JdbcUrl parse(String property, String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(property + " is required: was empty");
        }
        String prefix = "jdbc:postgresql://";
        if (!url.startsWith(prefix)) {
            throw new IllegalArgumentException(property + " must start with " + prefix + ": was " + redact(url));
        }
        String rest = url.substring(prefix.length());
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
            hosts.add(hostPort(property, hp.trim(), url));
        }
        return new JdbcUrl("jdbc:postgresql", List.copyOf(hosts), path, stripRoutingParams(params));
    }

    private static Endpoint hostPort(String property, String hp, String url) {
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
        int p = DEFAULT_PG_PORT;
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
