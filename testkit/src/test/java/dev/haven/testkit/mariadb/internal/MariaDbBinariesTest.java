package dev.haven.testkit.mariadb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

class MariaDbBinariesTest {

    @Test
    void readsTheVersionOfMariaDbButNotOfMySql() {
        Matcher m = MariaDbBinaries.VERSION.matcher("/usr/sbin/mariadbd  Ver 10.11.5-MariaDB-1:10.11.5+maria~deb12 for debian-linux-gnu");
        assertThat(m.find()).isTrue();
        assertThat(m.group(1) + "." + m.group(2) + "." + m.group(3)).isEqualTo("10.11.5");
        assertThat(MariaDbBinaries.VERSION.matcher("/usr/sbin/mysqld  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)")
                .find()).isFalse();
    }

    @Test
    void needsMariaDb1011OrNewer() {
        assertThat(MariaDbBinaries.supported("10.11.5")).isTrue();
        assertThat(MariaDbBinaries.supported("11.8.3")).isTrue();
        assertThat(MariaDbBinaries.supported("10.6.18")).isFalse();
    }

    @Test
    void aPathWithoutAServerIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> MariaDbBinaries.resolve("/nonexistent/mariadb"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HAVEN_MARIADB_BINARIES=/nonexistent/mariadb")
                .hasMessageContaining("auto, system, maven");
    }
}
