package dev.haven.testkit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * A directory built once and shared by every JVM of this user: unpacked server binaries, data directory templates.
 * It is filled in a private sibling directory that is renamed into place with a marker file inside, so concurrent
 * JVMs never use a half-built one; the loser of a race uses the winner's copy, and an incomplete leftover (no marker)
 * is replaced.
 */
public final class OnceDirectory {

    /** Fills the (existing, empty, world-traversable) build directory. */
    @FunctionalInterface
    public interface Filler {
        void fill(Path dir) throws IOException;
    }

    private OnceDirectory() {
    }

    /** True when {@code target} was built completely (by this or another JVM). */
    public static boolean isComplete(Path target, String marker) {
        return Files.exists(target.resolve(marker));
    }

    /**
     * Builds {@code target} unless it is complete. {@code markerContent} is written into {@code marker} last.
     *
     * @return true if this call built it, false if it was there (or another JVM won the race)
     */
    public static boolean create(Path target, String marker, String markerContent, Filler filler) throws IOException {
        if (isComplete(target, marker)) {
            return false;
        }
        Files.createDirectories(target.getParent());
        removeAbandonedBuilds(target);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try {
            filler.fill(tmp);
            Files.writeString(tmp.resolve(marker), markerContent, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (IOException e) {
                if (isComplete(target, marker)) {
                    return false; // another JVM built the same directory first: use its copy
                }
                if (!Files.exists(target)) {
                    throw e;
                }
                FileTree.deleteRecursively(target); // a leftover of an interrupted run (no marker)
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return true;
            }
        } finally {
            if (Files.exists(tmp)) {
                FileTree.deleteRecursively(tmp); // another JVM won the race, or filling failed
            }
        }
    }

    /** Build directories of JVMs that died while filling them (older than 10 minutes). */
    private static void removeAbandonedBuilds(Path target) {
        Instant cutoff = Instant.now().minus(Duration.ofMinutes(10));
        try (DirectoryStream<Path> s = Files.newDirectoryStream(target.getParent(), target.getFileName() + ".tmp-*")) {
            for (Path p : s) {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
                    FileTree.deleteRecursively(p);
                }
            }
        } catch (IOException e) {
            // best effort: a stale build directory only costs disk space
        }
    }
}
