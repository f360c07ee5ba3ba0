package dev.haven.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LsnTest {

    @Test
    void parsesAndFormatsPgLsnText() {
        assertThat(Lsn.parse("0/3000060")).isEqualTo(0x3000060L);
        assertThat(Lsn.parse("16/B374D848")).isEqualTo((0x16L << 32) | 0xB374D848L);
        assertThat(Lsn.format(Lsn.parse("16/B374D848"))).isEqualTo("16/B374D848");
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF")).isEqualTo(-1L); // unsigned 64 bit: the one value we cannot tell from "none"
        assertThat(Lsn.parse(null)).isEqualTo(-1L);
        assertThat(Lsn.format(-1L)).isEqualTo("none");
        assertThat(Lsn.parse("1/0") - Lsn.parse("0/FFFFFFFF")).isEqualTo(1L);
    }

    @Test
    void rejectsGarbage() {
        assertThatThrownBy(() -> Lsn.parse("12345")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("12345");
    }
}
