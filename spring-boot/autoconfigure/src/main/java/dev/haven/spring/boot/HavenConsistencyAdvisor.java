package dev.haven.spring.boot;

import dev.haven.Consistency;
import dev.haven.config.CommonKeys;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.core.MethodClassKey;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;

/**
 * Applies {@link HavenConsistency}: a Spring AOP advisor whose pointcut matches the annotated methods (and every method
 * of an annotated class) and whose advice puts the consistency in {@link HavenContext} while the method runs. Ordered
 * just before Spring's transaction advisor ({@code Ordered.LOWEST_PRECEDENCE}), so that it runs outside it: the
 * consistency is in force when the transaction takes its connection. The pointcut parses each annotation when Spring
 * first matches it, while it creates the bean's proxy, so a wrong value stops the start.
 */
final class HavenConsistencyAdvisor extends AbstractPointcutAdvisor {

    private static final long serialVersionUID = 1L;
    private static final Pattern RULE = Pattern.compile("(.*?) (must .*?|is .*?): was (.*)", Pattern.DOTALL);

    /** What {@link #consistencyOf} found, by method and target class; empty: not annotated. */
    private final Map<MethodClassKey, Optional<Consistency>> parsed = new ConcurrentHashMap<>();

    private final Pointcut pointcut = new StaticMethodMatcherPointcut() {
        @Override
        public boolean matches(Method method, Class<?> targetClass) {
            return consistencyOf(method, targetClass) != null;
        }
    };

    private final MethodInterceptor advice = new MethodInterceptor() {
        @Override
        public Object invoke(MethodInvocation invocation) throws Throwable {
            Object target = invocation.getThis();
            Consistency c = consistencyOf(invocation.getMethod(), target == null ? null : AopUtils.getTargetClass(target));
            if (c == null) {
                return invocation.proceed();
            }
            Object previous = HavenContext.enter(c);
            try {
                return invocation.proceed();
            } finally {
                HavenContext.restore(previous);
            }
        }
    };

    HavenConsistencyAdvisor() {
        setOrder(Ordered.LOWEST_PRECEDENCE - 1);
    }

    @Override
    public Pointcut getPointcut() {
        return pointcut;
    }

    @Override
    public org.aopalliance.aop.Advice getAdvice() {
        return advice;
    }

    /** The consistency a call of {@code method} on {@code targetClass} runs with, or null when not annotated. */
    Consistency consistencyOf(Method method, Class<?> targetClass) {
        MethodClassKey key = new MethodClassKey(method, targetClass);
        Optional<Consistency> c = parsed.get(key);
        if (c == null) {
            c = find(method, targetClass);
            parsed.put(key, c);
        }
        return c.orElse(null);
    }

    /** The method's annotation, else its class's (not for {@code Object}'s methods), parsed; empty if neither. */
    private static Optional<Consistency> find(Method method, Class<?> targetClass) {
        Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
        HavenConsistency a = AnnotatedElementUtils.findMergedAnnotation(specific, HavenConsistency.class);
        if (a == null && targetClass != null && specific.getDeclaringClass() != Object.class) {
            a = AnnotatedElementUtils.findMergedAnnotation(targetClass, HavenConsistency.class);
        }
        return a == null ? Optional.empty() : Optional.of(parse(a.value(), specific));
    }

    /**
     * {@code value} in the words of {@code default-consistency}, or {@link HavenPropertyException} naming the method, the
     * rule and the value.
     */
    static Consistency parse(String value, Method method) {
        String where = "@HavenConsistency on " + method.getDeclaringClass().getName() + "." + method.getName();
        try {
            return CommonKeys.DEFAULT_CONSISTENCY.parse(where, value);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            Matcher m = RULE.matcher(message);
            return m.matches() && m.group(1).equals(where)
                    ? throwing(new HavenPropertyException(message, where, m.group(2), m.group(3), e))
                    : throwing(new HavenPropertyException(message, where, null, null, e));
        }
    }

    private static Consistency throwing(HavenPropertyException e) {
        throw e;
    }
}
