package dev.haven.testkit.redis.internal;

import dev.haven.testkit.internal.BinarySelection;
import dev.haven.testkit.internal.FileTree;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Enumeration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the {@code redis-server} executable (Sentinel is the same binary with {@code --sentinel}).
 *
 * <p>Selection ({@code HAVEN_REDIS_BINARIES} system property or environment variable, or the builder option):
 * <ul>
 *   <li>{@code auto} (default): {@code REDIS_BIN} (the executable or its directory), else
 *       {@code /usr/bin/redis-server} / {@code /usr/local/bin/redis-server}, else Maven;</li>
 *   <li>{@code system}, {@code maven}: only that source;</li>
 *   <li>anything else: a path to {@code redis-server} or to a directory holding it.</li>
 * </ul>
 *
 * <p>Maven: the Linux build inside {@code com.github.codemonstur:embedded-redis} (an optional dependency of the
 * testkit: add it to your test classpath) is extracted once into {@code ${java.io.tmpdir}/haven-redis-<entry>}; it is
 * written to a private temporary directory that is renamed into place, so concurrent JVMs never run a half-written
 * file.
 */
public final class RedisBinaries {

    public static final String SELECTION_PROPERTY = "HAVEN_REDIS_BINARIES";
    static final String EMBEDDED_MARKER = "META-INF/maven/com.github.codemonstur/embedded-redis/pom.properties";
    static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    private final Path executable;
    private final String description;
    private final String version;
    private final int major;
    private final int minor;

    private RedisBinaries(Path executable, String kind) {
        this.executable = executable;
        String v = versionOf(executable);
        Matcher m = VERSION.matcher(v);
        if (!m.find()) {
            throw new IllegalStateException(executable + " --version printed no version: " + v.trim());
        }
        this.major = Integer.parseInt(m.group(1));
        this.minor = Integer.parseInt(m.group(2));
        this.version = m.group(1) + "." + m.group(2) + (m.group(3) == null ? "" : "." + m.group(3));
        this.description = kind + " Redis " + version + " at " + executable;
    }

    public Path executable() {
        return executable;
    }

    /** e.g. {@code maven Redis 6.2.11 at /tmp/haven-redis-.../redis-server}. */
    public String description() {
        return description;
    }

    public String version() {
        return version;
    }

    /** True when the version is at least {@code major.minor}. */
    public boolean atLeast(int wantMajor, int wantMinor) {
        return major > wantMajor || (major == wantMajor && minor >= wantMinor);
    }

    public static String defaultSelection() {
        return BinarySelection.defaultSelection(SELECTION_PROPERTY);
    }

    public static RedisBinaries resolve(String selection) {
        return BinarySelection.resolve(SELECTION_PROPERTY, selection, () -> {
            Path system = findSystem();
            return system == null ? null : new RedisBinaries(system, "system");
        }, RedisBinaries::ofMaven, given -> {
            Path p = executableIn(given);
            if (p == null) {
                throw new IllegalArgumentException("binaries must be auto, system, maven, a redis-server executable or a "
                        + "directory holding one: " + given + " is none of these");
            }
            return new RedisBinaries(p, "configured");
        }, "no redis-server was found: set REDIS_BIN to the redis-server executable (or its directory), install a "
                + "redis-server package");
    }

    private static Path findSystem() {
        String env = System.getProperty("REDIS_BIN");
        if (env == null || env.isBlank()) {
            env = System.getenv("REDIS_BIN");
        }
        if (env != null && !env.isBlank()) {
            Path p = executableIn(Paths.get(env.trim()));
            if (p == null) {
                throw new IllegalStateException("REDIS_BIN=" + env + " is neither a redis-server executable nor a directory holding one");
            }
            return p;
        }
        for (String candidate : new String[] {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
            Path p = Paths.get(candidate);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static Path executableIn(Path p) {
        if (Files.isDirectory(p)) {
            Path inside = p.resolve("redis-server");
            if (!Files.isRegularFile(inside)) {
                inside = p.resolve("bin").resolve("redis-server");
            }
            p = inside;
        }
        return Files.isRegularFile(p) && Files.isExecutable(p) ? p.toAbsolutePath() : null;
    }

    /** The {@code redis-server-*-linux-<arch>} entry name for this JVM's architecture. */
    static String archSuffix() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            return "-linux-amd64";
        }
        if (arch.equals("aarch64") || arch.equals("arm64")) {
            return "-linux-arm64";
        }
        throw new IllegalStateException("No Maven-shipped redis-server for os.arch=" + arch + ": set REDIS_BIN or install redis-server");
    }

    private static RedisBinaries ofMaven() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            throw new IllegalStateException("The Maven-shipped redis-server used by the testkit is a Linux build; on "
                    + System.getProperty("os.name") + " set REDIS_BIN to a local redis-server");
        }
        URL marker = RedisBinaries.class.getClassLoader().getResource(EMBEDDED_MARKER);
        if (marker == null) {
            throw new IllegalStateException("No Redis server found: no REDIS_BIN, no /usr/bin/redis-server, and "
                    + "com.github.codemonstur:embedded-redis (an optional dependency of haven-testkit) is not on the classpath. "
                    + "Add it with <scope>test</scope> (version 1.4.4), install redis-server, or set REDIS_BIN");
        }
        String suffix = archSuffix();
        try {
            URLConnection c = marker.openConnection();
            if (!(c instanceof JarURLConnection)) {
                throw new IllegalStateException("embedded-redis is not a jar on the classpath: " + marker);
            }
            c.setUseCaches(false);
            Path jarPath = Paths.get(((JarURLConnection) c).getJarFileURL().toURI());
            try (JarFile jar = new JarFile(jarPath.toFile())) {
                JarEntry entry = null;
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    JarEntry je = e.nextElement();
                    if (je.getName().startsWith("redis-server-") && je.getName().endsWith(suffix)) {
                        entry = je;
                    }
                }
                if (entry == null) {
                    throw new IllegalStateException(jarPath + " holds no redis-server-*" + suffix + ": set REDIS_BIN or install redis-server");
                }
                return new RedisBinaries(extract(jar, entry), "maven (" + jarPath.getFileName() + ")");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not extract redis-server from embedded-redis: " + e.getMessage(), e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("Unexpected jar URL " + marker, e);
        }
    }

    private static Path extract(JarFile jar, JarEntry entry) throws IOException {
        Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
        Path dir = tmp.resolve("haven-redis-" + entry.getName() + "-" + entry.getSize());
        Path exe = dir.resolve("redis-server");
        if (Files.isRegularFile(exe) && Files.size(exe) == entry.getSize() && Files.isExecutable(exe)) {
            return exe;
        }
        Path work = Files.createTempDirectory(tmp, "haven-redis-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            try (InputStream in = jar.getInputStream(entry)) {
                Files.copy(in, work.resolve("redis-server"));
            }
            Files.setPosixFilePermissions(work.resolve("redis-server"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException e) {
                // another JVM won the race (or a broken leftover): use theirs if complete, else replace it
                if (!(Files.isRegularFile(exe) && Files.size(exe) == entry.getSize())) {
                    FileTree.deleteRecursively(dir);
                    Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } finally {
            if (Files.exists(work)) {
                FileTree.deleteRecursively(work);
            }
        }
        return exe;
    }

    private static String versionOf(Path exe) {
        try {
            Process p = new ProcessBuilder(exe.toString(), "--version").redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + exe + " --version: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + exe + " --version", e);
        }
    }
}
