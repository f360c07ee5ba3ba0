package dev.haven.redis.internal;

import dev.haven.Endpoint;
import dev.haven.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of {@code INFO replication} (and {@code INFO server}'s {@code run_id}, when asked for) that Haven
 * uses. Pure parsing, unit-tested on real server output.
 *
 * @param role            {@code WRITER} for {@code role:master}, {@code READER} for {@code role:slave}
 * @param offset          {@code master_repl_offset} of a master, {@code slave_repl_offset} of a replica (the offset
 *                        it has processed), {@code Long.MIN_VALUE} when absent
 * @param replicas        a master's {@code slaveN:ip=..,port=..} lines (the announced addresses)
 * @param onlineReplicas  how many of them are {@code state=online}
 * @param masterLinkUp    a replica's {@code master_link_status:up}; true for a master
 * @param replicationId   {@code master_replid}
 */
public record ReplicationInfo(Role role, long offset, List<Endpoint> replicas, int onlineReplicas, boolean masterLinkUp,
        String replicationId) {

    public static ReplicationInfo parse(String info) {
        Map<String, String> f = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (line.isEmpty() || line.startsWith("#") || colon < 0) {
                continue;
            }
            f.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        String r = f.get("role");
        if (r == null) {
            throw new IllegalArgumentException("INFO replication has no role line: " + abbreviate(info));
        }
        Role role = switch (r) {
            case "master" -> Role.WRITER;
            case "slave" -> Role.READER;
            default -> Role.UNKNOWN;
        };
        long offset = parseLong(f.get(role == Role.WRITER ? "master_repl_offset" : "slave_repl_offset"));
        List<Endpoint> replicas = new ArrayList<>();
        int online = 0;
        for (int i = 0; f.containsKey("slave" + i); i++) {
            Map<String, String> kv = new HashMap<>();
            for (String part : f.get("slave" + i).split(",")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    kv.put(part.substring(0, eq), part.substring(eq + 1));
                }
            }
            String ip = kv.get("ip");
            long port = parseLong(kv.get("port"));
            if (ip != null && !ip.isBlank() && port > 0 && port <= 65535) {
                replicas.add(Endpoint.of(ip, (int) port).withRole(Role.READER));
            }
            if ("online".equals(kv.get("state"))) {
                online++;
            }
        }
        boolean linkUp = role != Role.READER || "up".equals(f.get("master_link_status"));
        return new ReplicationInfo(role, offset, List.copyOf(replicas), online, linkUp, f.getOrDefault("master_replid", ""));
    }

    private static long parseLong(String v) {
        if (v == null) {
            return Long.MIN_VALUE;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
