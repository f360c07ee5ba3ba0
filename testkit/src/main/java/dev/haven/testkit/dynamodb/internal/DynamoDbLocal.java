package dev.haven.testkit.dynamodb.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Where DynamoDB Local's jars are, and how to run it as a separate JVM.
 *
 * <p>DynamoDB Local brings its own AWS SDK, Jetty, slf4j 1.x, log4j and mockito; on our classpath they would
 * clash with the application's versions, so it always runs in its own JVM from a directory of jars. That directory
 * is copied at build time by Maven (see the antrun execution in this module's POM), never downloaded here. Lookup
 * order, first hit wins:
 * <ol>
 *   <li>the builder's {@code dynamoDbLocal(path)};</li>
 *   <li>{@value #PROPERTY} as a system property, then as an environment variable;</li>
 *   <li>{@code target/dynamodb-local} under the working directory (Surefire and Failsafe run tests in the module's
 *       base directory, so a module that copies DynamoDB Local there needs no configuration).</li>
 * </ol>
 * A directory qualifies when it, or its {@code lib/} subdirectory, holds {@code DynamoDBLocal*.jar}.
 */
public final class DynamoDbLocal {

    public static final String PROPERTY = "HAVEN_DYNAMODB_LOCAL";
    static final String MAIN_CLASS = "software.amazon.dynamodb.services.local.main.ServerRunner";
    /** Marks the command line of our servers, so a later JVM's reaper recognises them (see RunDirectory). */
    static final String NODE_MARKER = "-Dhaven.testkit.node=";

    private final Path libDir;
    private final Path jar;
    private final String source;

    private DynamoDbLocal(Path libDir, Path jar, String source) {
        this.libDir = libDir;
        this.jar = jar;
        this.source = source;
    }

    /** Finds DynamoDB Local or fails with what to do. {@code explicit} may be null. */
    public static DynamoDbLocal locate(Path explicit) {
        return locate(explicit, System::getProperty, System::getenv, Paths.get("").toAbsolutePath());
    }

    static DynamoDbLocal locate(Path explicit, Function<String, String> sysProps, Function<String, String> env, Path workingDir) {
        if (explicit != null) {
            return at(explicit, "builder().dynamoDbLocal(...)")
                    .orElseThrowMissing(explicit, "builder().dynamoDbLocal(...)");
        }
        String prop = sysProps.apply(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path p = Paths.get(prop.trim());
            return at(p, "system property " + PROPERTY).orElseThrowMissing(p, "system property " + PROPERTY);
        }
        String ev = env.apply(PROPERTY);
        if (ev != null && !ev.isBlank()) {
            Path p = Paths.get(ev.trim());
            return at(p, "environment variable " + PROPERTY).orElseThrowMissing(p, "environment variable " + PROPERTY);
        }
        Path conventional = workingDir.resolve("target").resolve("dynamodb-local");
        Found f = at(conventional, "target/dynamodb-local of " + workingDir);
        if (f.local != null) {
            return f.local;
        }
        throw new IllegalStateException("DynamoDB Local not found: neither " + PROPERTY + " (system property or environment "
                + "variable) nor " + conventional + " exists. DynamoDB Local runs as a separate JVM from a directory of jars "
                + "that Maven copies at build time: add the maven-antrun-plugin execution 'dynamodb-local' of "
                + "haven-testkit's pom.xml to your module (it copies software.amazon.dynamodb:DynamoDBLocal with its "
                + "dependencies into target/dynamodb-local/lib), or point " + PROPERTY + " at such a directory.");
    }

    private static Found at(Path dir, String how) {
        for (Path candidate : List.of(dir.resolve("lib"), dir)) {
            Path jar = findJar(candidate);
            if (jar != null) {
                return new Found(new DynamoDbLocal(candidate.toAbsolutePath(), jar.toAbsolutePath(), how));
            }
        }
        return new Found(null);
    }

    private static Path findJar(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "DynamoDBLocal*.jar")) {
            for (Path p : s) {
                return p;
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + dir, e);
        }
    }

    private static final class Found {
        final DynamoDbLocal local;

        Found(DynamoDbLocal local) {
            this.local = local;
        }

        DynamoDbLocal orElseThrowMissing(Path dir, String how) {
            if (local != null) {
                return local;
            }
            throw new IllegalStateException(how + " names " + dir + ", which holds no DynamoDBLocal*.jar (neither in it nor in "
                    + "its lib/ subdirectory). Build the module once (mvn verify copies DynamoDB Local into "
                    + "target/dynamodb-local/lib) or fix the path.");
        }
    }

    public Path libDir() {
        return libDir;
    }

    /** e.g. "3.3.1", from the jar's name; "unknown" if it carries none. */
    public String version() {
        String name = jar.getFileName().toString();
        String v = name.replaceFirst("^DynamoDBLocal-?", "").replaceFirst("\\.jar$", "");
        return v.isEmpty() ? "unknown" : v;
    }

    /** For {@code binarySource()}: version, directory and how it was found. */
    public String describe() {
        return "DynamoDB Local " + version() + " in " + libDir + " (" + source + ")";
    }

    /**
     * The server's command line. In memory, one database for all credentials and signing regions ({@code -sharedDb}),
     * so clients may use any dummy credentials and region name. JVM flags favour start-up time and a small footprint
     * over peak throughput (C1 only, serial GC), which is what a test needs.
     */
    public List<String> command(Path javaHome, int port, Path nodeDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaHome.resolve("bin").resolve("java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xms64m");
        cmd.add("-Xmx512m");
        cmd.add("-Djava.library.path=" + libDir);
        cmd.add("-Dsqlite4java.library.path=" + libDir);
        cmd.add("-Duser.language=en");
        cmd.add(NODE_MARKER + nodeDir.resolve("data"));
        cmd.add("-cp");
        cmd.add(libDir + "/*");
        cmd.add(MAIN_CLASS);
        cmd.add("-inMemory");
        cmd.add("-sharedDb");
        cmd.add("-port");
        cmd.add(Integer.toString(port));
        return cmd;
    }

    /** True when the log says the port was taken (then start is retried on another port). */
    public static boolean portConflict(String logTail) {
        String l = logTail.toLowerCase(Locale.ROOT);
        return l.contains("address already in use") || l.contains("failed to bind");
    }
}
