package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.testkit.dynamodb.DynamoDbRegions;
import dev.haven.testkit.dynamodb.HavenDynamoDb;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * {@code haven.dynamodb.*} in a Spring context → a {@link HavenDynamoDbClient} as the {@code DynamoDbClient} bean, on
 * two DynamoDB Local regions of the testkit; a refused value stops the start naming property, rule and value.
 */
@HavenDynamoDb(regions = {"us-east-1", "us-west-2"})
class SpringDynamoDbIT {

    static final int ITEMS = 30;

    private static CreateTableRequest table(String name) {
        return CreateTableRequest.builder().tableName(name)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build();
    }

    private static ApplicationContextRunner context(DynamoDbRegions regions) {
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HavenDynamoDbAutoConfiguration.class,
                        HavenStoresAutoConfiguration.class, HavenEndpointAutoConfiguration.class,
                        org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration.class,
                        org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration.class,
                        org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration.class))
                .withBean(HavenDynamoDbClientCustomizer.class, () -> b -> b.credentialsProvider(regions.credentials()))
                .withPropertyValues("management.endpoints.web.exposure.include=haven",
                        "haven.dynamodb.regions=us-east-1,us-west-2", "haven.dynamodb.home-region=us-east-1",
                        "haven.dynamodb.local-region=us-west-2", "haven.dynamodb.heartbeat-table=haven-heartbeat",
                        "haven.dynamodb.cluster-name=spring-ddb-it",
                        "haven.dynamodb.region.us-east-1.endpoint=" + regions.endpoint("us-east-1"),
                        "haven.dynamodb.region.us-west-2.endpoint=" + regions.endpoint("us-west-2"));
    }

    @Test
    void theDynamoDbClientBeanIsHavensAndWritesReachTheHomeRegion(DynamoDbRegions regions) {
        regions.createGlobalTable(table("haven-heartbeat"));
        regions.createGlobalTable(table("orders"));
        context(regions).run(context -> {
            assertThat(context).hasNotFailed();
            DynamoDbClient ddb = context.getBean(DynamoDbClient.class);
            assertThat(ddb).isInstanceOf(HavenDynamoDbClient.class);
            for (int i = 0; i < ITEMS; i++) {
                Map<String, AttributeValue> item = Map.of("pk", AttributeValue.fromS("o-" + i));
                ddb.putItem(b -> b.tableName("orders").item(item));
            }
            int onHome = 0;
            DynamoDbClient home = regions.client("us-east-1");
            for (int i = 0; i < ITEMS; i++) {
                String pk = "o-" + i;
                onHome += home.getItem(b -> b.tableName("orders").key(Map.of("pk", AttributeValue.fromS(pk))).consistentRead(true))
                        .hasItem() ? 1 : 0;
            }
            System.out.printf("DynamoDbClient bean %s: %d of %d items written are in the home region%n",
                    ddb.getClass().getSimpleName(), onHome, ITEMS);
            assertThat(onHome).isEqualTo(ITEMS);

            org.springframework.boot.health.contributor.Health health = context.getBean("havenDynamoDbHealthIndicator",
                    org.springframework.boot.health.contributor.HealthIndicator.class).health();
            System.out.println("havenDynamoDb health: " + health);
            assertThat(health.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.UP);
            assertThat(health.getDetails()).containsEntry("cluster", "spring-ddb-it").containsKey("servers");
            assertThat(((Map<?, ?>) health.getDetails().get("servers"))).hasSize(2);
            io.micrometer.core.instrument.MeterRegistry registry = context.getBean(io.micrometer.core.instrument.MeterRegistry.class);
            assertThat(registry.get("haven.endpoints").tag("cluster", "spring-ddb-it").tag("role", "writer").gauge().value())
                    .isEqualTo(1.0);

            // The haven endpoint of a DynamoDB-only application: the regions, their lag and breakers.
            Map<String, Object> view = context.getBean(HavenEndpoint.class).topology();
            System.out.println("haven endpoint: " + view);
            assertThat(view).containsOnlyKeys("dynamodb");
            Map<?, ?> d = (Map<?, ?>) view.get("dynamodb");
            assertThat(d.get("cluster")).isEqualTo("spring-ddb-it");
            assertThat(d.get("writer")).isEqualTo("us-east-1");
            assertThat((java.util.List<?>) d.get("servers")).hasSize(2)
                    .allSatisfy(s -> assertThat(((Map<?, ?>) s).get("breaker")).isEqualTo("closed"));
            assertThat(((Map<?, ?>) d.get("settings")).get("haven.dynamodb.home-region")).isEqualTo("us-east-1");
        });
        context(regions).withPropertyValues("haven.dynamodb.deadline=-1s").run(context -> {
            FailureAnalysis analysis = new HavenPropertyFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: haven.dynamodb.deadline").contains("Value: -1s")
                    .contains("Rule: must be > 0");
        });
    }

    /** An application's DynamoDB code: the session and consistency come from {@link HavenContext}. */
    static class Orders {
        private final HavenDynamoDbClient ddb;

        Orders(DynamoDbClient ddb) {
            this.ddb = (HavenDynamoDbClient) ddb;
        }

        public void put(String pk) {
            view().putItem(b -> b.tableName("orders").item(Map.of("pk", AttributeValue.fromS(pk))));
        }

        @HavenConsistency("session")
        public boolean findOwn(String pk) {
            return find(pk);
        }

        @HavenConsistency("eventual")
        public boolean findAny(String pk) {
            return find(pk);
        }

        private boolean find(String pk) {
            HavenDynamoDbClient v = view();
            return v.withConsistency(HavenContext.consistency().orElse(v.consistency()))
                    .getItem(b -> b.tableName("orders").key(Map.of("pk", AttributeValue.fromS(pk)))).hasItem();
        }

        private HavenDynamoDbClient view() {
            return HavenContext.session().map(ddb::withSession).orElse(ddb);
        }
    }

    @Test
    void sessionReadsThroughTheContextSeeTheirWritesWhileReplicationIsPaused(DynamoDbRegions regions) {
        regions.createGlobalTable(table("haven-heartbeat"));
        regions.createGlobalTable(table("orders"));
        context(regions).withConfiguration(AutoConfigurations.of(HavenContextAutoConfiguration.class)).withBean(Orders.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Orders orders = context.getBean(Orders.class);
                    regions.pauseReplication();
                    String token = null;
                    int sessionStale = 0;
                    int eventualStale = 0;
                    try {
                        for (int i = 0; i < ITEMS; i++) {
                            String pk = "s-" + i;
                            dev.haven.HavenSession write = dev.haven.HavenSession.fromToken(token);
                            HavenContext.callInSession(write, () -> {
                                orders.put(pk);
                                return null;
                            });
                            token = write.token();
                            boolean own = HavenContext.callInSession(dev.haven.HavenSession.fromToken(token), () -> orders.findOwn(pk));
                            sessionStale += own ? 0 : 1;
                            eventualStale += orders.findAny(pk) ? 0 : 1;
                        }
                    } finally {
                        regions.resumeReplication();
                    }
                    System.out.printf("DynamoDB through HavenContext, replication to the local region paused: session reads "
                            + "%d of %d stale, eventual reads %d of %d stale; token %s%n", sessionStale, ITEMS, eventualStale,
                            ITEMS, token);
                    assertThat(sessionStale).as("session reads that missed the request's own write").isZero();
                    assertThat(eventualStale).as("eventual reads of the local region miss writes (the control)").isPositive();
                    assertThat(token).contains("spring-ddb-it@");
                });
    }
}
