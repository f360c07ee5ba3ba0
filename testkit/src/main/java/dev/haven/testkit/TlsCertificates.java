package dev.haven.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A fresh self-signed certificate authority and one server certificate it signed, as PEM files, made with the JDK's own
 * {@code keytool} (no openssl, no BouncyCastle): what a {@link PostgresCluster.Builder#tls() TLS cluster} serves, and
 * what a test needs to present a client with the wrong CA.
 *
 * <pre>{@code
 * TlsCertificates other = TlsCertificates.create(dir, List.of("127.0.0.1", "localhost"));
 * String url = cluster.jdbcUrl() + "?sslmode=verify-full&sslrootcert=" + other.caCertificate(); // must be refused
 * }</pre>
 *
 * <p>The server certificate names every given host as a subjectAltName (an IP address as {@code ip:}, a name as
 * {@code dns:}), so clients verifying the host name ({@code sslmode=verify-full}) accept it; it is valid from a day
 * ago for 30 days. Keys are EC P-256. The key file is {@code rw-------}.
 */
public final class TlsCertificates {

    private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final Path caCertificate;
    private final Path serverCertificate;
    private final Path serverKey;
    private final List<String> hosts;

    private TlsCertificates(Path caCertificate, Path serverCertificate, Path serverKey, List<String> hosts) {
        this.caCertificate = caCertificate;
        this.serverCertificate = serverCertificate;
        this.serverKey = serverKey;
        this.hosts = hosts;
    }

    /**
     * Makes a new CA and a server certificate for {@code hosts} in {@code dir} (created if absent): {@code ca.crt},
     * {@code server.crt}, {@code server.key}. Bounded: each keytool run gets 60 s.
     *
     * @throws PostgresClusterException when keytool fails, with its output
     */
    public static TlsCertificates create(Path dir, List<String> hosts) {
        if (hosts == null || hosts.isEmpty()) {
            throw new IllegalArgumentException("hosts must name at least one host or IP address: was " + hosts);
        }
        for (String h : hosts) {
            if (h == null || !h.matches("[A-Za-z0-9.:-]+")) {
                throw new IllegalArgumentException("hosts must be host names or IP addresses: was '" + h + "'");
            }
        }
        try {
            Files.createDirectories(dir);
            Path work = Files.createTempDirectory(dir, "keytool");
            try {
                return make(dir, work, List.copyOf(hosts));
            } finally {
                dev.haven.testkit.internal.FileTree.deleteRecursively(work);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not make TLS certificates in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static TlsCertificates make(Path dir, Path work, List<String> hosts) throws IOException {
        String storePass = UUID.randomUUID().toString();
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path caStore = work.resolve("ca.p12");
        Path serverStore = work.resolve("server.p12");
        Path csr = work.resolve("server.csr");
        Path signed = work.resolve("server.pem");
        String san = hosts.stream().map(h -> (IPV4.matcher(h).matches() || h.contains(":") ? "ip:" : "dns:") + h)
                .collect(Collectors.joining(","));
        // the two key pairs are independent: one JVM start each, in parallel
        Process ca = keytool(work, "ca", "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=Haven testkit CA " + id, "-ext", "bc:c", "-ext", "KeyUsage:c=keyCertSign,cRLSign",
                "-startdate", "-1d", "-validity", "31", "-keystore", caStore.toString(), "-storetype", "PKCS12",
                "-storepass", storePass, "-keypass", storePass);
        Process server = keytool(work, "server", "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=" + hosts.get(0), "-startdate", "-1d", "-validity", "31", "-keystore",
                serverStore.toString(), "-storetype", "PKCS12", "-storepass", storePass, "-keypass", storePass);
        await(ca, work, "ca");
        await(server, work, "server");
        await(keytool(work, "certreq", "-certreq", "-alias", "server", "-keystore", serverStore.toString(), "-storepass",
                storePass, "-file", csr.toString()), work, "certreq");
        await(keytool(work, "gencert", "-gencert", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", storePass,
                "-infile", csr.toString(), "-outfile", signed.toString(), "-rfc", "-startdate", "-1d", "-validity", "30",
                "-ext", "SAN=" + san, "-ext", "KeyUsage:c=digitalSignature,keyAgreement", "-ext", "EKU=serverAuth"),
                work, "gencert");
        try {
            KeyStore caKs = load(caStore, storePass);
            KeyStore serverKs = load(serverStore, storePass);
            Path caCrt = dir.resolve("ca.crt");
            Path serverCrt = dir.resolve("server.crt");
            Path serverKey = dir.resolve("server.key");
            Files.writeString(caCrt, pem("CERTIFICATE", caKs.getCertificate("ca").getEncoded()), StandardCharsets.US_ASCII);
            Files.copy(signed, serverCrt, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Key key = serverKs.getKey("server", storePass.toCharArray());
            Files.deleteIfExists(serverKey);
            Files.createFile(serverKey, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(serverKey, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
            return new TlsCertificates(caCrt, serverCrt, serverKey, hosts);
        } catch (GeneralSecurityException e) {
            throw new PostgresClusterException("Could not read the keys keytool made in " + work + ": " + e, e);
        }
    }

    private static KeyStore load(Path store, String pass) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, pass.toCharArray());
        }
        return ks;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static Process keytool(Path work, String step, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // a short-lived JVM: C1 only and the serial collector start fastest on a busy machine
        cmd.addAll(List.of("-J-Xshare:auto", "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        cmd.addAll(List.of(args));
        cmd.add("-noprompt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve(step + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb.start();
    }

    private static void await(Process p, Path work, String step) throws IOException {
        try {
            if (!p.waitFor(KEYTOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new PostgresClusterException("keytool (" + step + ") did not finish within " + KEYTOOL_TIMEOUT);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new PostgresClusterException("Interrupted while keytool (" + step + ") ran");
        }
        if (p.exitValue() != 0) {
            throw new PostgresClusterException("keytool (" + step + ") failed with exit code " + p.exitValue() + ": "
                    + Files.readString(work.resolve(step + ".log")).strip());
        }
    }

    /** The CA's certificate (PEM): what a client trusts, e.g. pgjdbc's {@code sslrootcert}. */
    public Path caCertificate() {
        return caCertificate;
    }

    /** The server certificate (PEM) signed by {@link #caCertificate()}. */
    public Path serverCertificate() {
        return serverCertificate;
    }

    /** The server's private key (PKCS#8 PEM, unencrypted, mode 0600). */
    public Path serverKey() {
        return serverKey;
    }

    /** The hosts the server certificate is valid for (its subjectAltNames), first also its CN. */
    public List<String> hosts() {
        return hosts;
    }

    @Override
    public String toString() {
        return "TlsCertificates{ca=" + caCertificate + ", hosts=" + hosts + "}";
    }
}
