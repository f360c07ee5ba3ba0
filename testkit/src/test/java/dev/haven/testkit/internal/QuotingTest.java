package dev.haven.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuotingTest {

    @Test
    void quotesEachLanguageItsOwnWay() {
        assertThat(Quoting.conninfoValue("it's a \\ secret")).isEqualTo("'it\\'s a \\\\ secret'");
        assertThat(Quoting.confString("host=x password='it\\'s'")).isEqualTo("'host=x password=''it\\\\''s'''");
        assertThat(Quoting.sqlLiteral("o'clock")).isEqualTo("'o''clock'");
        assertThat(Quoting.sqlIdentifier("we\"ird")).isEqualTo("\"we\"\"ird\"");
    }
}
