package dev.haven.testkit.mariadb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GtidsTest {

    @Test
    void parsesOneSequencePerDomain() {
        assertThat(Gtids.parse("0-1-17,3-2-5")).isEqualTo(Map.of(0L, 17L, 3L, 5L));
        assertThat(Gtids.parse("")).isEmpty();
        assertThat(Gtids.parse(null)).isEmpty();
    }

    @Test
    void countsTransactionsBehindPerDomainEvenAcrossAPromotion() {
        assertThat(Gtids.transactionsBehind("0-1-120", "0-1-20")).isEqualTo(100);
        // after a promotion the domain's numbering continues under the new server id
        assertThat(Gtids.transactionsBehind("0-2-130", "0-1-120")).isEqualTo(10);
        assertThat(Gtids.transactionsBehind("0-1-20", "0-1-120")).isZero();
        assertThat(Gtids.transactionsBehind("0-1-7,1-3-4", "0-1-7")).isEqualTo(4);
        assertThat(Gtids.transactionsBehind("0-1-7", "")).isEqualTo(7);
        assertThat(Gtids.transactionsBehind("", "")).isZero();
    }

    @Test
    void totalOrdersReplicasOfOnePrimary() {
        assertThat(Gtids.total("0-1-17,3-2-5")).isEqualTo(22);
        assertThat(Gtids.total("")).isZero();
    }

    @Test
    void rejectsWhatIsNotAGtid() {
        assertThatThrownBy(() -> Gtids.parse("0-1")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'0-1'");
    }
}
