package dev.haven.testkit.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a server: its postmaster, the children it has reaped and its live children (PostgreSQL's backends and
 * auxiliary processes are direct children of the postmaster), from {@code /proc/<pid>/stat} in clock ticks (Linux
 * USER_HZ, 100 per second). A child's time moves from the live sum into the postmaster's {@code cutime/cstime} when
 * it exits, so the total only grows.
 */
public final class ProcessCpu {

    /** Linux reports process times in USER_HZ ticks, 100 per second on every architecture. */
    public static final int TICKS_PER_SECOND = 100;

    private static final Path PROC = Path.of("/proc");

    private ProcessCpu() {
    }

    /** Ticks used by {@code pid} and its children, reaped and live; -1 if the process or /proc cannot be read. */
    public static long ticks(long pid) {
        long[] self = read(PROC.resolve(Long.toString(pid)).resolve("stat"));
        if (self == null) {
            return -1;
        }
        long total = self[1] + self[2] + self[3] + self[4];
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path dir : dirs) {
                long[] child = read(dir.resolve("stat"));
                if (child != null && child[0] == pid) {
                    total += child[1] + child[2];
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return total;
    }

    private static long[] read(Path stat) {
        try {
            return parse(Files.readString(stat));
        } catch (IOException | RuntimeException e) {
            return null; // gone meanwhile, or not readable
        }
    }

    /**
     * {@code [ppid, utime, stime, cutime, cstime]} of one {@code /proc/<pid>/stat} line. The command name (field 2)
     * is in parentheses and may itself contain spaces and parentheses, so fields are counted from the last ')'.
     */
    static long[] parse(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
    }
}
