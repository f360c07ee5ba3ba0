package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.redis.internal.CommandKinds.Kind;
import io.lettuce.core.api.sync.RedisCommands;
import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CommandKindsTest {

    private static Set<String> lettuceMethods() {
        Set<String> names = new TreeSet<>();
        for (Method m : RedisCommands.class.getMethods()) {
            names.add(m.getName());
        }
        return names;
    }

    @Test
    void everyListedNameIsALettuceMethodSoNoReadIsMisroutedByATypo() {
        Set<String> methods = lettuceMethods();
        assertThat(methods).containsAll(CommandKinds.READS);
        assertThat(methods).containsAll(CommandKinds.UNSUPPORTED);
    }

    @Test
    void readsGoToReplicasWritesAndUnknownsToThePrimary() {
        assertThat(CommandKinds.of("get")).isEqualTo(Kind.READ);
        assertThat(CommandKinds.of("hgetall")).isEqualTo(Kind.READ);
        assertThat(CommandKinds.of("evalReadOnly")).isEqualTo(Kind.READ);
        assertThat(CommandKinds.of("set")).isEqualTo(Kind.WRITE);
        assertThat(CommandKinds.of("incr")).isEqualTo(Kind.WRITE);
        assertThat(CommandKinds.of("eval")).isEqualTo(Kind.WRITE); // a script may write
        assertThat(CommandKinds.of("dispatch")).isEqualTo(Kind.WRITE);
        assertThat(CommandKinds.of("sort")).isEqualTo(Kind.WRITE); // SORT ... STORE writes
        assertThat(CommandKinds.of("getdel")).isEqualTo(Kind.WRITE);
        assertThat(CommandKinds.of("getex")).isEqualTo(Kind.WRITE);
    }

    @Test
    void connectionStateAndBlockingCommandsAreRefused() {
        for (String name : new String[] {"multi", "exec", "watch", "select", "blpop", "bzpopmin", "clientTracking"}) {
            assertThat(CommandKinds.of(name)).as(name).isEqualTo(Kind.UNSUPPORTED);
        }
    }
}
