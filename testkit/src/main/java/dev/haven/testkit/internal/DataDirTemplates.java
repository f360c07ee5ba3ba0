package dev.haven.testkit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache of freshly initialised data directories (PostgreSQL's initdb, MariaDB's install-db), one per (server,
 * binaries, user, password), under {@code ${java.io.tmpdir}/haven-<server>-templates-<uid>}. Initialising is the slowest
 * step of a start (about 1.5 s for PostgreSQL and 4 s for MariaDB on a small machine); copying a template takes a few
 * tens of milliseconds. A template holds only a hash of the password, never the password. It is built with
 * {@link OnceDirectory}, so concurrent JVMs never use a half-built one.
 */
public final class DataDirTemplates {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirTemplates.class);
    private static final String COMPLETE_MARKER = "complete";

    /** Initialises the given (existing, empty, server-owned) data directory; {@code workDir} is for its scratch files. */
    @FunctionalInterface
    public interface Initdb {
        void run(Path dataDir, Path workDir) throws IOException;
    }

    private DataDirTemplates() {
    }

    /** Copies a cached initdb result into {@code target} (existing and empty), creating the cache entry if needed. */
    public static void copyInto(Path target, PgBinaries binaries, String user, String password, Initdb initdb)
            throws IOException {
        copyInto(target, "pg", "pg" + binaries.version(), List.of(binaries.binDir().toString(), binaries.version(), user, password),
                initdb);
    }

    /**
     * Copies the template of {@code server} identified by {@code keyParts} (hashed; may hold the password) into
     * {@code target}, creating it with {@code initdb} first if needed.
     */
    public static synchronized void copyInto(Path target, String server, String label, List<String> keyParts, Initdb initdb)
            throws IOException {
        Path base = Paths.get(System.getProperty("java.io.tmpdir"), "haven-" + server + "-templates-" + ServerProcesses.uid());
        Files.createDirectories(base);
        if (ServerProcesses.isRoot()) {
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path entry = base.resolve(key(label, keyParts));
        long t0 = System.nanoTime();
        boolean built = OnceDirectory.create(entry, COMPLETE_MARKER, "", tmp -> {
            Path data = tmp.resolve("data");
            Files.createDirectory(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            ServerProcesses.ownForServer(data, false);
            initdb.run(data, tmp);
        });
        if (built) {
            LOG.info("Initialising the data directory template {} took {} ms", entry, (System.nanoTime() - t0) / 1_000_000);
        }
        FileTree.copy(entry.resolve("data"), target, Set.of(), rel -> false);
    }

    private static String key(String label, List<String> keyParts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            StringBuilder material = new StringBuilder("v1\0");
            keyParts.forEach(p -> material.append(p).append('\0'));
            md.update((material.toString() + ServerProcesses.isRoot()).getBytes(StandardCharsets.UTF_8));
            return label + "-" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
