package dev.haven.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A hosts file (the format of {@code /etc/hosts}) that several owners share: each owner writes only its own block
 * between two marker comments and leaves every other line alone. A JVM started with
 * {@code -Djdk.net.hosts.file=<path>} resolves every name through that file alone (no DNS), re-reading it on each
 * lookup its address cache lets through; so a file the testkit creates starts as a copy of {@code /etc/hosts}, and
 * every write replaces the file atomically (write a sibling, rename) so a reader never sees half of it.
 *
 * <p>Writers of one JVM are serialized by a lock; writers of several JVMs by a file lock on {@code <file>.lock}.
 */
public final class HostsFile {

    private static final Object JVM_LOCK = new Object();
    private static final Path SYSTEM_HOSTS = Path.of("/etc/hosts");

    private HostsFile() {
    }

    /** Replaces {@code owner}'s block with {@code lines} (address, whitespace, names), creating the file if needed. */
    public static void writeBlock(Path file, String owner, List<String> lines) {
        update(file, content -> withBlock(content, owner, lines));
    }

    /** Removes {@code owner}'s block; a missing file or block is fine. */
    public static void removeBlock(Path file, String owner) {
        if (Files.exists(file)) {
            update(file, content -> withBlock(content, owner, null));
        }
    }

    /** {@code content} with {@code owner}'s block replaced by {@code lines} (appended if absent; removed if null). */
    static String withBlock(String content, String owner, List<String> lines) {
        String begin = "# haven-testkit begin " + owner;
        String end = "# haven-testkit end " + owner;
        List<String> out = new ArrayList<>();
        boolean inBlock = false;
        for (String line : content.split("\n", -1)) {
            if (line.equals(begin)) {
                inBlock = true;
            } else if (inBlock && line.equals(end)) {
                inBlock = false;
            } else if (!inBlock) {
                out.add(line);
            }
        }
        while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        if (lines != null) {
            out.add(begin);
            out.addAll(lines);
            out.add(end);
        }
        return out.isEmpty() ? "" : String.join("\n", out) + "\n";
    }

    /** What a new file starts with: the system's hosts file, so names that resolved before still do. */
    static String seed() {
        try {
            if (Files.isReadable(SYSTEM_HOSTS)) {
                return Files.readString(SYSTEM_HOSTS, StandardCharsets.UTF_8);
            }
        } catch (IOException | UncheckedIOException e) {
            // fall through to the minimal seed
        }
        return "127.0.0.1 localhost\n::1 localhost\n";
    }

    private interface Edit {
        String apply(String content);
    }

    private static void update(Path file, Edit edit) {
        Path abs = file.toAbsolutePath();
        synchronized (JVM_LOCK) {
            try {
                Files.createDirectories(abs.getParent());
                try (FileChannel lockChannel = FileChannel.open(abs.resolveSibling(abs.getFileName() + ".lock"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = lockChannel.lock()) {
                    String before = Files.exists(abs) ? Files.readString(abs, StandardCharsets.UTF_8) : seed();
                    String after = edit.apply(before);
                    Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp" + ProcessHandle.current().pid());
                    Files.writeString(tmp, after, StandardCharsets.UTF_8);
                    try {
                        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not update the hosts file " + abs + ": " + e.getMessage(), e);
            }
        }
    }
}
