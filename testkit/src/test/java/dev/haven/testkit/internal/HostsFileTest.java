package dev.haven.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each owner rewrites only its own block of a shared hosts file; everything else stays as it was. */
class HostsFileTest {

    @Test
    void aBlockIsAppendedReplacedAndRemovedWithoutTouchingOtherLines() {
        String system = "127.0.0.1 localhost\n127.0.0.1 vm\n";
        String one = HostsFile.withBlock(system, "a", List.of("127.0.0.2 x.example"));
        assertThat(one).isEqualTo(system + "# haven-testkit begin a\n127.0.0.2 x.example\n# haven-testkit end a\n");

        String two = HostsFile.withBlock(one, "b", List.of("127.0.1.2 y.example", "127.0.1.3 y.example"));
        String replaced = HostsFile.withBlock(two, "a", List.of("127.0.0.3 x.example"));
        assertThat(replaced).isEqualTo(system
                + "# haven-testkit begin b\n127.0.1.2 y.example\n127.0.1.3 y.example\n# haven-testkit end b\n"
                + "# haven-testkit begin a\n127.0.0.3 x.example\n# haven-testkit end a\n");

        assertThat(HostsFile.withBlock(HostsFile.withBlock(replaced, "a", null), "b", null)).isEqualTo(system);
        assertThat(HostsFile.withBlock(system, "absent", null)).isEqualTo(system);
    }

    @Test
    void aNewFileStartsAsACopyOfTheSystemHostsFileAndLosesOnlyItsBlockOnRemoval(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sub/hosts");
        HostsFile.writeBlock(file, "c", List.of("127.0.0.9 z.example"));
        String content = Files.readString(file);
        assertThat(content).startsWith(HostsFile.seed().strip()).endsWith("# haven-testkit begin c\n127.0.0.9 z.example\n# haven-testkit end c\n");
        HostsFile.removeBlock(file, "c");
        assertThat(Files.readString(file)).isEqualTo(HostsFile.withBlock(HostsFile.seed(), "c", null));
        HostsFile.removeBlock(dir.resolve("missing"), "c");
        assertThat(dir.resolve("missing")).doesNotExist();
    }
}
