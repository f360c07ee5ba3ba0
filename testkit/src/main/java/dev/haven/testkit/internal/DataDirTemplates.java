package dev.haven.testkit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cache of freshly initdb'd data directories, one per (binaries, user, password), under
 * {@code ${java.io.tmpdir}/haven-pg-templates-<uid>}. initdb is the slowest step of a start (about 1.5 s on a small
 * machine); copying a 40 MB template takes a few tens of milliseconds. The template holds only a SCRAM verifier
 * of the password, never the password. It is built in a private directory and renamed into place, so concurrent
 * JVMs never use a half-built one.
 */
public final class DataDirTemplates {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirTemplates.class);
    private static final String COMPLETE_MARKER = "complete";

    /** Runs initdb into the given (existing, empty, server-owned) data directory. */
    @FunctionalInterface
    public interface Initdb {
        void run(Path dataDir, Path workDir) throws IOException;
    }

    private DataDirTemplates() {
    }

    /** Copies a cached initdb result into {@code target} (existing and empty), creating the cache entry if needed. */
    public static synchronized void copyInto(Path target, PgBinaries binaries, String user, String password, Initdb initdb)
            throws IOException {
        Path base = Paths.get(System.getProperty("java.io.tmpdir"), "haven-pg-templates-" + ServerProcesses.uid());
        Files.createDirectories(base);
        if (ServerProcesses.isRoot()) {
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path entry = base.resolve(key(binaries, user, password));
        removeAbandonedBuilds(base);
        if (!Files.exists(entry.resolve(COMPLETE_MARKER))) {
            build(entry, initdb);
        }
        FileTree.copy(entry.resolve("data"), target, Set.of(), rel -> false);
    }

    private static void build(Path entry, Initdb initdb) throws IOException {
        long t0 = System.nanoTime();
        Path tmp = entry.resolveSibling(entry.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            Path data = tmp.resolve("data");
            Files.createDirectory(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            ServerProcesses.ownForServer(data, false);
            initdb.run(data, tmp);
            Files.writeString(tmp.resolve(COMPLETE_MARKER), "", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("initdb for the data directory template {} took {} ms", entry, (System.nanoTime() - t0) / 1_000_000);
            } catch (IOException e) {
                if (!Files.exists(entry.resolve(COMPLETE_MARKER))) {
                    if (!Files.exists(entry)) {
                        throw e;
                    }
                    FileTree.deleteRecursively(entry); // an incomplete leftover
                    Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
                }
                // else another JVM built the same template first
            }
        } finally {
            if (Files.exists(tmp)) {
                FileTree.deleteRecursively(tmp);
            }
        }
    }

    /** Build directories of JVMs that died while running initdb (older than 10 minutes). */
    private static void removeAbandonedBuilds(Path base) {
        java.time.Instant cutoff = java.time.Instant.now().minus(java.time.Duration.ofMinutes(10));
        try (java.nio.file.DirectoryStream<Path> s = Files.newDirectoryStream(base, "*.tmp-*")) {
            for (Path p : s) {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
                    FileTree.deleteRecursively(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("Could not clean abandoned template builds in {}", base, e);
        }
    }

    static String key(PgBinaries binaries, String user, String password) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(("v1\0" + binaries.binDir() + "\0" + binaries.version() + "\0" + user + "\0" + password + "\0"
                    + ServerProcesses.isRoot()).getBytes(StandardCharsets.UTF_8));
            return "pg" + binaries.version() + "-" + HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
